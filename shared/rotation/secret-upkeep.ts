import { createHash } from "node:crypto";
import type { SecretRecord } from "../ledger/records";
import type { IamUser, SecretMeta } from "./ports";
import type { Finding } from "./report";
import type { SecretStanding } from "./secret-standing";
import type { AccountContext } from "./settings";

/** A policy's digest in canonical form: key order, whitespace and one-element lists do not count. */
export function policyDigest(policy: string | null): string {
  if (policy === null) return "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    return createHash("sha256").update(policy).digest("hex");
  }
  return createHash("sha256")
    .update(JSON.stringify(canonical(parsed)))
    .digest("hex");
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.length === 1 ? items[0] : items;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/** The record of a secret keyrotor now answers for, with the policy it wrote. */
export function secretRecordOf(meta: SecretMeta, policy: string, adopted: boolean, now: Date): SecretRecord {
  return {
    arn: meta.arn,
    name: meta.name,
    kmsKeyId: meta.kmsKeyId,
    policyDigest: policyDigest(policy),
    createdAt: (meta.createdAt ?? now).toISOString(),
    adopted,
  };
}

interface Upkeep {
  readonly standing: SecretStanding;
  readonly findings: Finding[];
}

/**
 * Brings the user's secret back to what keyrotor answers for, before any key is decided on: adopts a
 * foreign secret only when the operator allows it (never one under a customer KMS key), restores one
 * scheduled for deletion, and, before a key is `writing` into it or when the settings changed, puts
 * back a policy that drifted or that the configuration changed and applies added or removed replica
 * regions. In audit mode, or for `plan`, it only reports.
 */
export async function keepSecret(
  ctx: AccountContext,
  user: IamUser,
  standing: SecretStanding,
  policy: string,
  writing: boolean,
): Promise<Upkeep> {
  const act = ctx.settings.mode === "enforce" && !ctx.run.readOnly;
  const outcome = act ? "done" : "planned";
  const { secrets, ledger } = ctx.ports;
  const findings: Finding[] = [];
  const save = (record: SecretRecord) => ledger.putSecret(ctx.run.accountId, user.userName, record);

  if (standing.kind === "foreign") {
    const { meta } = standing;
    if (!ctx.settings.adoptForeignSecrets || meta.kmsKeyId !== null) {
      const why = meta.kmsKeyId
        ? `is encrypted with a KMS key keyrotor does not control (${meta.kmsKeyId})`
        : "was not created by keyrotor";
      findings.push({
        kind: "foreign-secret",
        outcome: "noted",
        detail:
          `secret ${meta.name} ${why}: keyrotor will not store a key in it. Delete it (keyrotor then creates ` +
          "its own), or ask the operator to allow adopting it (adoptForeignSecrets)",
      });
      return { standing, findings };
    }
    findings.push({
      kind: "secret-adopted",
      outcome,
      detail: `secret ${meta.name} was not created by keyrotor; adopted as the operator allows, its policy reset`,
    });
    if (!act) return { standing, findings };
    await secrets.putResourcePolicy(meta.name, policy);
    const record = secretRecordOf(meta, policy, true, ctx.run.now);
    await save(record);
    return { standing: { kind: "ours", meta, record }, findings };
  }

  if (standing.kind === "gone") {
    findings.push({
      kind: "secret-gone",
      outcome: "noted",
      detail:
        `secret ${standing.record.name}, which keyrotor created, was deleted: the key it held can no longer ` +
        "be fetched, so no older key is retired in its favour; the next rotation creates a new secret",
    });
    return { standing, findings };
  }

  let current = standing;
  if (current.kind === "deleting") {
    findings.push({
      kind: "secret-restored",
      outcome,
      detail: `secret ${current.meta.name} was scheduled for deletion by someone; keyrotor created it and restores it`,
    });
    if (!act) return { standing: current, findings };
    await secrets.restoreSecret(current.meta.name);
    current = { kind: "ours", meta: { ...current.meta, deletionDate: null }, record: current.record };
  }
  if (current.kind !== "ours") return { standing: current, findings };

  const { meta, record } = current;
  if (meta.kmsKeyId !== record.kmsKeyId) {
    findings.push({
      kind: "kms-changed",
      outcome: "noted",
      detail: `secret ${meta.name} is now encrypted with ${meta.kmsKeyId ?? "the AWS managed key"}, not the key it was created with`,
    });
  }
  // The policy guards the value: it is checked before a new key is written into the secret, and whenever
  // the settings that shape it changed; a retirement does not depend on it.
  if (!writing && !ctx.settingsChanged) return { standing: current, findings };
  const stored = await secrets.getResourcePolicy(meta.name);
  const wanted = policyDigest(policy);
  let kept = record;
  if (policyDigest(stored) !== wanted) {
    const drifted = policyDigest(stored) !== record.policyDigest;
    findings.push({
      kind: drifted ? "policy-restored" : "policy-updated",
      outcome,
      detail: drifted
        ? `the resource policy of secret ${meta.name} was changed by someone; keyrotor puts back its own`
        : `the readers of secret ${meta.name} changed with the configuration or an allowed tag; its policy is updated`,
    });
    if (act) {
      await secrets.putResourcePolicy(meta.name, policy);
      kept = { ...record, policyDigest: wanted };
      await save(kept);
    }
  }
  const replicas = meta.replicaRegions ?? (await secrets.describeSecret(meta.name))?.replicaRegions ?? [];
  const add = ctx.settings.replicaRegions.filter((r) => !replicas.includes(r));
  const remove = replicas.filter((r) => !ctx.settings.replicaRegions.includes(r));
  if (add.length > 0 || remove.length > 0) {
    const change = [...add.map((r) => `+${r}`), ...remove.map((r) => `-${r}`)].join(" ");
    findings.push({
      kind: "replicas-updated",
      outcome,
      detail: `replica regions of ${meta.name}: ${change}`,
    });
    if (act && add.length > 0) await secrets.replicateToRegions(meta.name, add);
    if (act && remove.length > 0) await secrets.removeReplicaRegions(meta.name, remove);
  }
  return { standing: { kind: "ours", meta, record: kept }, findings };
}
