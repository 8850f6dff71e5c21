import { type SmtpChecks, smtpWriter } from "../destinations/smtp/deliver";
import { DeliveryError } from "../destinations/types";
import { type BoundDestination, destinationsOf } from "../destinations/validate";
import { ConfigError, describeError } from "../errors";
import type { DeliveryRecord } from "../ledger/records";
import type { Redacted } from "../redacted";
import type { IamUser } from "./ports";
import type { DeliveryReport } from "./report";
import type { AccountContext } from "./settings";

/** The destinations the operator bound to the user: from the configuration alone, never a tag. */
export function boundDestinations(ctx: AccountContext, userName: string): BoundDestination[] {
  return destinationsOf(ctx.settings.deliveries, ctx.run.accountId, userName);
}

/** What binds an escrowed secret to its key: decrypting it for another user or key fails. */
const escrowContext = (ctx: AccountContext, userName: string, keyId: string) => ({
  accountId: ctx.run.accountId,
  userName,
  accessKeyId: keyId,
});

/**
 * The delivery a new key starts with, or `undefined` when the user has no destination: the bound
 * destinations are due, and the key's secret is escrowed (encrypted under the delivery KMS key) so
 * that a later run can deliver it again. Called before the key is stored: if it cannot be escrowed
 * the key is rolled back like one whose secret could not be written.
 */
export async function startDelivery(
  ctx: AccountContext,
  userName: string,
  keyId: string,
  secretAccessKey: Redacted<string>,
): Promise<DeliveryRecord | undefined> {
  const bound = boundDestinations(ctx, userName);
  if (bound.length === 0) return undefined;
  const { escrow } = ctx.ports.keys ?? {};
  const kmsKeyId = ctx.settings.deliveryKmsKeyId;
  if (!escrow || !kmsKeyId) {
    throw new ConfigError(
      `destinations are bound to ${userName} but no delivery KMS key is configured (deliveryKmsKeyId)`,
    );
  }
  const sealed = await escrow.encrypt(kmsKeyId, secretAccessKey, escrowContext(ctx, userName, keyId));
  return { keyId, due: bound.map((b) => b.id), confirmed: {}, failures: {}, escrow: sealed };
}

/** The due destinations still bound and not yet confirmed: a destination the operator removed no longer holds a key back. */
export function outstanding(
  ctx: AccountContext,
  userName: string,
  delivery: DeliveryRecord,
): BoundDestination[] {
  const bound = boundDestinations(ctx, userName);
  return bound.filter((b) => delivery.due.includes(b.id) && delivery.confirmed[b.id] === undefined);
}

/**
 * Delivers the key to every outstanding destination (idempotent writes), records each confirmation
 * and failure in the ledger (one write), and drops the escrow once none is outstanding. `secret` is
 * the key's secret when this run created it; otherwise the escrow is decrypted.
 */
export async function deliverOutstanding(
  ctx: AccountContext,
  user: IamUser,
  delivery: DeliveryRecord,
  secret?: Redacted<string>,
): Promise<DeliveryReport[]> {
  const todo = outstanding(ctx, user.userName, delivery);
  const reports = confirmedReports(ctx, user.userName, delivery);
  if (todo.length === 0) return reports;
  const at = ctx.run.now.toISOString();
  const confirmed = { ...delivery.confirmed };
  const failures = { ...delivery.failures };
  let value: Redacted<string>;
  try {
    value = secret ?? (await openEscrow(ctx, user.userName, delivery));
  } catch (error) {
    ctx.ports.log.error("escrowed key unreadable", { userName: user.userName, error: describeError(error) });
    return [...reports, ...todo.map((b) => failedReport(b, delivery, at, error))];
  }
  const smtpChecks: SmtpChecks = new Map();
  for (const bound of todo) {
    try {
      const built = await requireWriters(ctx).writerFor(bound, ctx.run.accountId);
      // An smtp binding's destinations get the Region's SMTP credentials, derived here, not the key.
      const writer = bound.smtp ? smtpWriter(bound.smtp, built, ctx.ports.keys?.smtp, smtpChecks) : built;
      await writer.deliver({
        accountId: ctx.run.accountId,
        userName: user.userName,
        accessKeyId: delivery.keyId,
        secretAccessKey: value,
      });
      confirmed[bound.id] = at;
      delete failures[bound.id];
      reports.push({ destination: bound.label, keyId: delivery.keyId, outcome: "done", confirmedAt: at });
    } catch (error) {
      const before = failures[bound.id];
      const fix =
        error instanceof DeliveryError ? error.fix : "see the error; keyrotor retries on its next run";
      failures[bound.id] = {
        since: before?.since ?? at,
        at,
        attempts: (before?.attempts ?? 0) + 1,
        failure: error instanceof DeliveryError ? error.failure : "unavailable",
        message: describeError(error).message,
        fix,
      };
      ctx.ports.log.warn("delivery failed", {
        userName: user.userName,
        destination: bound.label,
        error: describeError(error),
      });
      reports.push(failedReport(bound, { ...delivery, failures }, at, error));
    }
  }
  const done = todo.every((b) => confirmed[b.id] !== undefined);
  const { escrow: _, ...kept } = delivery;
  await ctx.ports.ledger.setDelivery(
    ctx.run.accountId,
    user.userName,
    done ? { ...kept, confirmed, failures: {} } : { ...delivery, confirmed, failures },
  );
  return reports;
}

/** What `plan` and audit mode report: the deliveries a run would make, and those waiting. */
export function plannedDeliveries(
  ctx: AccountContext,
  userName: string,
  delivery: DeliveryRecord | undefined,
  keyId: string,
): DeliveryReport[] {
  if (!delivery || delivery.keyId !== keyId) {
    return boundDestinations(ctx, userName).map((b) => ({ destination: b.label, keyId, outcome: "planned" }));
  }
  return [
    ...confirmedReports(ctx, userName, delivery),
    ...outstanding(ctx, userName, delivery).map((b): DeliveryReport => {
      const failed = delivery.failures[b.id];
      return failed
        ? {
            destination: b.label,
            keyId,
            outcome: "waiting",
            failingSince: failed.since,
            attempts: failed.attempts,
            error: { name: "DeliveryError", message: failed.message },
            fix: failed.fix,
            ...(isTokenFault(b, failed.failure) ? { tokenFault: true } : {}),
          }
        : { destination: b.label, keyId, outcome: "planned" };
    }),
  ];
}

function confirmedReports(ctx: AccountContext, userName: string, delivery: DeliveryRecord): DeliveryReport[] {
  return boundDestinations(ctx, userName)
    .filter((b) => delivery.confirmed[b.id] !== undefined)
    .map((b) => ({
      destination: b.label,
      keyId: delivery.keyId,
      outcome: "done" as const,
      confirmedAt: delivery.confirmed[b.id],
    }));
}

function failedReport(
  bound: BoundDestination,
  delivery: DeliveryRecord,
  at: string,
  error: unknown,
): DeliveryReport {
  const failure = delivery.failures[bound.id];
  return {
    destination: bound.label,
    keyId: delivery.keyId,
    outcome: "failed",
    failingSince: failure?.since ?? at,
    attempts: failure?.attempts ?? 1,
    error: describeError(error),
    fix: error instanceof DeliveryError ? error.fix : (failure?.fix ?? "keyrotor retries on its next run"),
    ...(error instanceof DeliveryError && isTokenFault(bound, error.failure) ? { tokenFault: true } : {}),
  };
}

/**
 * Whether a failure is the destination's API token: refused (401) or without the rights (403). The
 * token lives in keyrotor's own account, so only its operators can fix it, never the account owner.
 */
function isTokenFault(bound: BoundDestination, failure: string): boolean {
  return "tokenSecret" in bound.destination && (failure === "unauthorized" || failure === "forbidden");
}

async function openEscrow(
  ctx: AccountContext,
  userName: string,
  delivery: DeliveryRecord,
): Promise<Redacted<string>> {
  const { escrow } = ctx.ports.keys ?? {};
  const kmsKeyId = ctx.settings.deliveryKmsKeyId;
  if (!delivery.escrow || !escrow || !kmsKeyId) {
    throw new Error(
      `key ${delivery.keyId} of ${userName} is no longer held for delivery: it reaches the outstanding destinations with the next rotation`,
    );
  }
  return escrow.decrypt(kmsKeyId, delivery.escrow, escrowContext(ctx, userName, delivery.keyId));
}

function requireWriters(ctx: AccountContext) {
  const writers = ctx.ports.keys?.writers;
  if (!writers) throw new ConfigError("destinations are configured but this run has no way to write to them");
  return writers;
}
