import { isOwnUse } from "../lifecycle";
import type { AdvisedKey, PolicyDocument, PolicyStatement, ServiceUse } from "./types";

/** Endpoint names IAM reports whose IAM action prefix is another word. */
const PREFIX_OF: Readonly<Record<string, string>> = { monitoring: "cloudwatch", email: "ses" };

/** The IAM action prefix of a service as IAM reports its last use (`monitoring` → `cloudwatch`). */
export function actionPrefix(service: string): string {
  const name = service.toLowerCase();
  // Dotted endpoint names (`runtime.sagemaker`, `streams.dynamodb`) end with their service.
  return PREFIX_OF[name] ?? name.split(".").at(-1) ?? name;
}

/**
 * Whether a key's last use is something anyone used it for: not unknown, and not keyrotor's own
 * verification of the key as its ledger recorded it (`verified`). An STS call soon after a key's
 * creation that keyrotor did not record is a use: a person who made a key by hand may have made it.
 */
export function realUse(key: AdvisedKey): key is AdvisedKey & { lastUsedAt: Date; lastUsedService: string } {
  if (!key.lastUsedAt || !key.lastUsedService) return false;
  return !isOwnUse(key, key.verified);
}

/** The services the keys were last used with, one entry per action prefix, latest use first. */
export function serviceUses(keys: readonly AdvisedKey[]): ServiceUse[] {
  const byPrefix = new Map<string, { service: string; regions: Set<string>; at: Date }>();
  for (const key of keys.filter(realUse)) {
    const prefix = actionPrefix(key.lastUsedService);
    const seen = byPrefix.get(prefix) ?? {
      service: key.lastUsedService,
      regions: new Set(),
      at: key.lastUsedAt,
    };
    if (key.lastUsedRegion) seen.regions.add(key.lastUsedRegion);
    if (key.lastUsedAt.getTime() > seen.at.getTime()) seen.at = key.lastUsedAt;
    byPrefix.set(prefix, seen);
  }
  return [...byPrefix]
    .map(([prefix, s]) => ({
      service: s.service,
      actionPrefix: prefix,
      regions: [...s.regions].sort(),
      lastUsedAt: s.at.toISOString(),
    }))
    .sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
}

const sid = (prefix: string) =>
  `LastUsed${prefix
    .split(/[^a-z0-9]+/i)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}`;

/**
 * A starting point for a role's permissions: each service the keys were last used with, all its
 * actions, in the regions of those uses. keyrotor sees only the last use of each key, so this is a
 * skeleton to narrow (to the actions the workload calls) and widen (to services it calls less often).
 * Without any known use it allows only `sts:GetCallerIdentity`, which needs no permission anyway.
 */
export function permissionsSkeleton(uses: readonly ServiceUse[]): PolicyDocument {
  const statements: PolicyStatement[] = uses.map((use) => ({
    Sid: sid(use.actionPrefix),
    Effect: "Allow",
    Action: `${use.actionPrefix}:*`,
    Resource: "*",
    ...(use.regions.length > 0
      ? { Condition: { StringEquals: { "aws:RequestedRegion": [...use.regions] } } }
      : {}),
  }));
  return {
    Version: "2012-10-17",
    Statement:
      statements.length > 0
        ? statements
        : [
            {
              Sid: "ListTheActionsTheWorkloadCalls",
              Effect: "Allow",
              Action: "sts:GetCallerIdentity",
              Resource: "*",
            },
          ],
  };
}
