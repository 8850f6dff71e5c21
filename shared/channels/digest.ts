import { needsAPerson } from "../report/needs-person";
import type { Attention, OrgReport } from "../report/types";
import type { Channel } from "./config";
import type { ChannelPorts } from "./deliver";
import { type ChannelMessage, MAX_LINES, plainText } from "./message";
import { ChannelPostError, parseChannelSecret, postBody } from "./post";
import { routeTakes } from "./routes";
import { slackPayload } from "./slack";
import { teamsPayload } from "./teams";

/**
 * The weekly digest's side of the channels: each channel with a `weekly-digest` route gets one short
 * message per digest, from the same report the digest email is built of: the users that need a person
 * (`needsAPerson`) in the accounts and users its digest routes take.
 */

const WHAT: Record<Attention["kind"], string> = {
  blocked: "rotation blocked",
  failing: "a step keeps failing",
  held: "old key held: still in use",
  "in-use": "old key still in use",
  undelivered: "new key not delivered",
  exempt: "exempt, and its key fails IAM.3",
};

/** The report's users that need a person and that one of `channel`'s digest routes takes. */
export function digestItemsFor(
  channel: Channel,
  report: OrgReport,
  underOu: (ou: string, accountId: string) => boolean = () => false,
): Attention[] {
  const routes = channel.routes.filter((r) => r.kind === "weekly-digest");
  if (routes.length === 0) return [];
  return report.attention.filter(
    (a) =>
      needsAPerson(a) &&
      routes.some((r) => routeTakes(r, a.accountId, a.userName, (ou) => underOu(ou, a.accountId))),
  );
}

/** The OUs the digest routes of `channels` name. */
export const digestOus = (channels: readonly Channel[]) => [
  ...new Set(
    channels.flatMap((c) => c.routes.flatMap((r) => (r.kind === "weekly-digest" ? (r.ous ?? []) : []))),
  ),
];

/** The digest's message for `items`: the account named as the report has it, at most `MAX_LINES` lines. */
export function digestMessage(
  report: OrgReport,
  items: readonly Attention[],
  reportUrl?: string,
): ChannelMessage {
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  const users = items.length;
  const accounts = new Set(items.map((a) => a.accountId)).size;
  return {
    title: `Weekly digest: ${users} user${users === 1 ? "" : "s"} need a person in ${accounts} account${accounts === 1 ? "" : "s"}`,
    lines: items.slice(0, MAX_LINES).map((a) => ({
      userName: `${names.get(a.accountId) ?? a.accountId} (${a.accountId}) ${a.userName}`,
      what: WHAT[a.kind],
      todo: "see the weekly digest email",
    })),
    more: Math.max(0, items.length - MAX_LINES),
    todo: "The weekly digest email and its full report have the details.",
    ...(reportUrl ? { reportUrl } : {}),
  };
}

function digestBody(channel: Channel, report: OrgReport, items: readonly Attention[]) {
  const message = digestMessage(report, items, channel.reportUrl);
  switch (channel.type) {
    case "slack":
      return slackPayload(message);
    case "teams":
      return teamsPayload(message);
    case "webhook":
      return {
        version: 1,
        type: "keyrotor.digest",
        generatedAt: report.generatedAt,
        items: items.map((a) => ({ accountId: a.accountId, userName: a.userName, kind: a.kind })),
        text: plainText(message),
        ...(message.reportUrl ? { reportUrl: message.reportUrl } : {}),
      };
  }
}

/**
 * Posts the digest to each channel with a digest route that takes someone. A channel that fails is
 * named in `failed` (never its URL) and the others are still posted; nothing is thrown: the digest
 * email, the channel of record, is already sent, and a retry would send it again.
 */
export async function postDigest(
  ports: ChannelPorts & { readonly accountsUnder?: (ou: string) => Promise<ReadonlySet<string>> },
  channels: readonly Channel[],
  report: OrgReport,
): Promise<{ posted: string[]; failed: string[] }> {
  const posted: string[] = [];
  const failed: string[] = [];
  // Each OU a digest route names, read once for this digest from Organizations (nested OUs included).
  const under = new Map<string, ReadonlySet<string>>();
  for (const ou of digestOus(channels)) {
    try {
      under.set(ou, (await ports.accountsUnder?.(ou)) ?? new Set());
    } catch {
      failed.push(`the accounts under ${ou} could not be listed: its routes take no account this week`);
    }
  }
  const underOu = (ou: string, accountId: string) => under.get(ou)?.has(accountId) ?? false;
  for (const channel of channels) {
    const items = digestItemsFor(channel, report, underOu);
    if (items.length === 0) continue;
    try {
      const value = await ports.secrets.readSecretValue(channel.secret).catch(() => {
        throw new ChannelPostError(`channel ${channel.name}: the secret ${channel.secret} could not be read`);
      });
      const secret = parseChannelSecret(channel, value, ports.allowLoopbackHttp);
      const body = digestBody(channel, report, items);
      await postBody(ports, channel, secret, body, `digest-${report.generatedAt}/${channel.name}`);
      posted.push(channel.name);
    } catch (error) {
      // Only keyrotor's own errors are repeated: they name the channel and the status, never the URL.
      failed.push(error instanceof ChannelPostError ? error.message : `channel ${channel.name} failed`);
    }
  }
  return { posted, failed };
}
