import type { AccountContext } from "../settings";
import type { RotationStart } from "./rotation";

/**
 * Step 1 (`due` → `created`): the ledger announces the creation before any key exists, its one write.
 * From here a key or secret that appears for the user is keyrotor's own until the outcome is recorded.
 */
export async function announce(ctx: AccountContext, start: RotationStart): Promise<RotationStart> {
  await ctx.ports.ledger.markPending(ctx.run.accountId, start.user.userName, {
    since: ctx.run.now.toISOString(),
    runId: ctx.run.runId,
  });
  return start;
}
