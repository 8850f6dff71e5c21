/**
 * Text from an account (its name, user names, destinations) escaped for each chat's markup, so what
 * a member account chooses cannot become a link, a mention (`<!channel>`, `<@U123>`) or formatting.
 */

/** Slack mrkdwn: `&`, `<` and `>` are the only characters Slack asks to escape; they make links and mentions. */
export function slackText(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Adaptive Card TextBlock: its markdown (links `[a](b)`, emphasis, lists), the `{{DATE()}}` functions
 * and `<at>` mentions, each character that starts one escaped with a backslash; line breaks flattened.
 */
export function cardText(value: string): string {
  return value.replace(/[\r\n]+/g, " ").replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, (c) => `\\${c}`);
}
