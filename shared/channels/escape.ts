/**
 * Text from an account (its name, user names, destinations) escaped for each chat's markup, so what
 * a member account chooses cannot become a link, a mention (`<!channel>`, `<@U123>`) or formatting.
 */

/** A zero-width space inside `://`, so a chat does not turn a name holding a URL into a link. */
const unlinked = (value: string) => value.replace(/:\/\//g, ":/\u200b/");

/** Slack mrkdwn: `&`, `<` and `>` are the only characters Slack asks to escape; they make links and mentions. */
export function slackText(value: string): string {
  return unlinked(value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
}

/**
 * Adaptive Card TextBlock: its markdown (links `[a](b)`, emphasis, lists), the `{{DATE()}}` functions
 * and `<at>` mentions, each character that starts one escaped with a backslash; line breaks flattened.
 */
export function cardText(value: string): string {
  return unlinked(value.replace(/[\r\n]+/g, " ").replace(/[\\`*_{}[\]()<>#~]/g, (c) => `\\${c}`));
}
