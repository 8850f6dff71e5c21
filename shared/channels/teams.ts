import { cardText } from "./escape";
import { type ChannelMessage, capital } from "./message";

export const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";

/** A Teams workflow webhook's body: a `message` carrying one Adaptive Card. */
export function teamsPayload(message: ChannelMessage): Record<string, unknown> {
  const lines = message.lines.map((l) => ({
    type: "TextBlock",
    wrap: true,
    text: `**${cardText(l.userName)}**: ${cardText(l.what)}. ${cardText(capital(l.todo))}.`,
  }));
  if (message.more > 0) lines.push({ type: "TextBlock", wrap: true, text: `and ${message.more} more` });
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body: [
      { type: "TextBlock", size: "Medium", weight: "Bolder", wrap: true, text: cardText(message.title) },
      ...lines,
      { type: "TextBlock", isSubtle: true, wrap: true, text: cardText(message.todo) },
    ],
    ...(message.reportUrl
      ? { actions: [{ type: "Action.OpenUrl", title: "Open the report", url: message.reportUrl }] }
      : {}),
  };
  return { type: "message", attachments: [{ contentType: ADAPTIVE_CARD, contentUrl: null, content: card }] };
}
