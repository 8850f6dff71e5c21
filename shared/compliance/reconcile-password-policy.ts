import type { Config } from "../config";
import { describeError, type ErrorReport } from "../errors";
import type { Log } from "../log";
import { type AccountPasswordPolicy, requirementsOf, strengthen } from "./password-policy";

export interface PasswordPolicyPort {
  /** `null` when the account has no password policy. */
  getPasswordPolicy(): Promise<AccountPasswordPolicy | null>;
  updatePasswordPolicy(policy: AccountPasswordPolicy): Promise<void>;
}

/**
 * - `compliant`: the account already meets every requirement.
 * - `planned`: audit mode; `changes` would be made.
 * - `done`: enforce mode; `changes` were made.
 * - `failed`: the policy could not be read or written.
 */
export interface PasswordPolicyReport {
  readonly outcome: "compliant" | "planned" | "done" | "failed";
  readonly changes: readonly string[];
  readonly error?: ErrorReport;
}

/**
 * CIS 1.8-1.9 for one account: read its password policy and, in enforce mode, raise it to the
 * configured requirements without weakening any stricter setting. A failure is reported, not thrown:
 * it must not stop the account's key rotation.
 */
export async function reconcilePasswordPolicy(
  iam: PasswordPolicyPort,
  settings: Pick<Config, "mode" | "passwordPolicy">,
  log: Log,
): Promise<PasswordPolicyReport | undefined> {
  if (settings.passwordPolicy === null) return undefined;
  try {
    const existing = await iam.getPasswordPolicy();
    const { policy, changes } = strengthen(existing, requirementsOf(settings.passwordPolicy));
    if (changes.length === 0) return { outcome: "compliant", changes };
    if (settings.mode === "audit") return { outcome: "planned", changes };
    await iam.updatePasswordPolicy(policy);
    log.info("password policy strengthened", { changes });
    return { outcome: "done", changes };
  } catch (error) {
    log.error("password policy failed", { error: describeError(error) });
    return { outcome: "failed", changes: [], error: describeError(error) };
  }
}
