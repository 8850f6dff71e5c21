import { isEmailAddress } from "../config";
import type { UserRecord } from "../ledger/records";
import { addDays } from "../lifecycle";
import type { IamUser } from "./ports";
import type { Finding, UserReport } from "./report";
import { type SecretStanding, type SecretView, unrecordedSecret } from "./secret-standing";
import type { AccountContext } from "./settings";

/**
 * How long a user nothing can be done for (blocked, exempt, held) is left alone, unless its keys change
 * or another step falls due. A failing user gets no quiet period: the retry of its job, or the next
 * run, must find it (failures are rare, and a retry that skipped it would leave the work half done).
 */
export const QUIET_DAYS = 7;

const writes = (ctx: AccountContext) => !ctx.run.readOnly;

export function readersIgnored(ignored: readonly string[], tagName: string): Finding[] {
  if (ignored.length === 0) return [];
  return [
    {
      kind: "readers-ignored",
      outcome: "noted",
      detail:
        `tag ${tagName} names ${ignored.join(", ")}, which the operator's readers allowlist does not allow: ` +
        "they get no access to the secret",
    },
  ];
}

/** The owner tag's address, when it is one; anything else is ignored rather than mailed. */
export function ownerOf(value: string | undefined): { owner?: string } {
  const address = value?.trim();
  return isEmailAddress(address) ? { owner: address } : {};
}

/** The ledger learns a key whose value reached the secret although the answer or the record was lost. */
export async function healRecord(
  ctx: AccountContext,
  user: IamUser,
  standing: SecretStanding,
  view: SecretView,
): Promise<void> {
  const key = view.healedKey;
  if (!key || ctx.settings.mode !== "enforce" || !writes(ctx) || standing.kind !== "ours") return;
  const versionId = standing.meta.currentVersionId;
  if (!versionId) return;
  await ctx.ports.ledger.recordKey(
    ctx.run.accountId,
    user.userName,
    { keyId: key.id, versionId, at: ctx.run.now.toISOString() },
    undefined,
    unrecordedSecret(standing, ctx.ledger.users.get(user.userName)),
  );
}

/** The notifier mails a user's lines to the owner the ledger holds, so the ledger follows the tag. */
export async function keepOwner(
  ctx: AccountContext,
  user: IamUser,
  record: UserRecord | undefined,
  tag: string | undefined,
): Promise<void> {
  const owner = ownerOf(tag).owner ?? null;
  if (!writes(ctx) || (record?.owner ?? null) === owner) return;
  await ctx.ports.ledger.setOwner(ctx.run.accountId, user.userName, owner);
}

const STUCK = new Set<UserReport["status"]>(["blocked", "exempt", "held"]);

/**
 * A user left blocked, exempt or held is not looked at again for `QUIET_DAYS`, unless its keys change
 * (a person acted) or another of its steps falls due; one that is no longer stuck leaves its quiet
 * period. Only report discovery knows the keys' fingerprint, so only it starts quiet periods.
 */
export async function keepQuiet(
  ctx: AccountContext,
  user: IamUser,
  record: UserRecord | undefined,
  report: UserReport,
): Promise<void> {
  const fingerprint = ctx.fingerprints.get(user.userName);
  const failed = report.status === "failed" || report.actions.some((a) => a.outcome === "failed");
  const stuck = STUCK.has(report.status) && !failed;
  if (!writes(ctx)) return;
  if (stuck && fingerprint !== undefined) {
    const since = ctx.run.now.toISOString();
    const until = addDays(ctx.run.now, QUIET_DAYS).toISOString();
    await ctx.ports.ledger.setQuiet(ctx.run.accountId, user.userName, {
      since,
      until,
      fingerprint,
      reason: report.status,
    });
  } else if (!stuck && record?.quiet) {
    await ctx.ports.ledger.setQuiet(ctx.run.accountId, user.userName, null);
  }
}
