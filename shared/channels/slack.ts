import { slackText } from "./escape";
import { type ChannelMessage, capital, plainText } from "./message";

/** Slack refuses a section's text over 3000 characters; a message holds at most 50 blocks. */
export const SLACK_SECTION_MAX = 3000;
export const SLACK_MAX_BLOCKS = 50;

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A Slack incoming webhook's body: Block Kit blocks, and `text` as the notification's fallback. */
export function slackPayload(message: ChannelMessage): Record<string, unknown> {
  const lines = message.lines.map(
    (l) => `• *${slackText(l.userName)}*: ${slackText(l.what)}. ${slackText(capital(l.todo))}.`,
  );
  if (message.more > 0) lines.push(`• and ${message.more} more`);
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: cut(slackText(message.title), 150), emoji: false } },
    { type: "section", text: { type: "mrkdwn", text: cut(lines.join("\n"), SLACK_SECTION_MAX) } },
    { type: "context", elements: [{ type: "mrkdwn", text: slackText(message.todo) }] },
  ];
  if (message.reportUrl) {
    blocks.push({
      type: "actions",
      elements: [
        { type: "button", text: { type: "plain_text", text: "Open the report" }, url: message.reportUrl },
      ],
    });
  }
  return { text: cut(slackText(plainText(message)), SLACK_SECTION_MAX), blocks };
}
