/**
 * What Slack's incoming webhooks answer when they refuse a post for good: a plain-text code (with a
 * 4xx status) that no retry changes. Each comes with what an operator does about it. Any other
 * answer (a 5xx, `429`, a code not listed) is retried as before.
 */

const NEW_WEBHOOK = "make a new incoming webhook and put its URL in the channel's secret";
const OUR_MESSAGE =
  "Slack refused keyrotor's message itself: report it as a keyrotor bug (the email still carries the notice)";

const FIXES: Readonly<Record<string, string>> = {
  invalid_token: `the webhook was revoked or its URL is wrong: ${NEW_WEBHOOK}`,
  no_service: `the webhook is disabled or removed, or its URL is wrong: ${NEW_WEBHOOK}`,
  no_team: `the webhook's workspace is gone, or its URL is wrong: ${NEW_WEBHOOK}`,
  team_disabled: `the webhook's workspace is disabled: ${NEW_WEBHOOK} in a live workspace`,
  user_not_found: `the user who made the webhook no longer exists: ${NEW_WEBHOOK}`,
  channel_not_found: `the webhook's channel no longer exists: ${NEW_WEBHOOK} for a live channel`,
  channel_is_archived: `the webhook's channel is archived: unarchive the channel, or make a new webhook for another channel and put its URL in the channel's secret`,
  action_prohibited:
    "the workspace forbids this webhook to post there: ask a Slack admin to allow it, or use another channel",
  posting_to_general_channel_denied:
    "only admins may post to that channel: make the webhook for another channel, or ask a Slack admin",
  invalid_payload: OUR_MESSAGE,
  no_text: OUR_MESSAGE,
  invalid_blocks: OUR_MESSAGE,
  invalid_blocks_format: OUR_MESSAGE,
  missing_text_or_fallback_or_attachments: OUR_MESSAGE,
  too_many_attachments: OUR_MESSAGE,
};

/**
 * Slack's permanent refusal in an answer, with its fix; `null` for anything a retry may cure. Only a
 * listed code is ever repeated: the answer's text is not trusted into a message otherwise.
 */
export function slackRefusal(status: number, text: string | undefined): { code: string; fix: string } | null {
  if (status < 400 || status >= 500 || status === 408 || status === 429) return null;
  const code = (text ?? "").trim();
  const fix = Object.hasOwn(FIXES, code) ? FIXES[code] : undefined;
  return fix === undefined ? null : { code, fix };
}
