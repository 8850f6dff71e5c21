import type { BoundDestination } from "../destinations/validate";
import { ageInDays, withoutOwnUse } from "../lifecycle";
import { isCiDestination, oidcRole } from "./oidc-role";
import { permissionsSkeleton, serviceUses } from "./permissions";
import {
  ADVICE_KINDS,
  type Advice,
  type AdviceFacts,
  type AdviceItem,
  type AdviceKind,
  type AdvisedKey,
  type CiProvider,
  DEFAULT_UNUSED_DAYS,
  type LastUse,
  type ServiceUse,
} from "./types";

/** At most this many services make a role scoped to them; beyond, the key does too much for one role. */
export const FEW_SERVICES = 3;

/** Services whose use means the key fetches other credentials: a role for them replaces nothing. */
const BOOTSTRAP = new Set(["sts"]);

const PROVIDER_NAMES: Readonly<Record<CiProvider, string>> = {
  github: "GitHub Actions",
  gitlab: "GitLab CI/CD",
  circleci: "CircleCI",
  "terraform-cloud": "Terraform Cloud",
};

const andList = (items: readonly string[]) =>
  items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;

const day = (d: Date | string) => (typeof d === "string" ? d : d.toISOString()).slice(0, 10);

/** How a key is named: its id, or its creation date when only the credential report knows it. */
export function keyLabel(key: AdvisedKey): string {
  return key.id ?? `created ${day(key.createdAt)}`;
}

function lastUse(key: AdvisedKey): LastUse {
  return {
    key: keyLabel(key),
    ...(key.lastUsedAt === undefined ? {} : { at: key.lastUsedAt?.toISOString() ?? null }),
    ...(key.lastUsedService ? { service: key.lastUsedService } : {}),
    ...(key.lastUsedRegion ? { region: key.lastUsedRegion } : {}),
  };
}

/** Unused for the period: never used and at least that old, or last used at least that long ago. */
function unused(key: AdvisedKey, days: number, now: Date): boolean {
  if (key.lastUsedAt === undefined) return false;
  return ageInDays(key.lastUsedAt ?? key.createdAt, now) >= days;
}

const where = (u: { service?: string; region?: string }) =>
  `${u.service ? ` with ${u.service}` : ""}${u.region ? ` in ${u.region}` : ""}`;

function removeItem(keys: readonly AdvisedKey[], facts: AdviceFacts, days: number): AdviceItem {
  const labels = keys.map(keyLabel);
  const told = keys.map((k) =>
    k.lastUsedAt
      ? `${keyLabel(k)} was last used ${ageInDays(k.lastUsedAt, facts.now)} days ago (${day(k.lastUsedAt)}${where({ service: k.lastUsedService, region: k.lastUsedRegion })})`
      : `${keyLabel(k)} was never used in its ${ageInDays(k.createdAt, facts.now)} days`,
  );
  const byKeyrotor = facts.deactivateUnusedAfterDays != null;
  const rule = byKeyrotor
    ? `keyrotor's unused-key rule deactivates it (deactivateUnusedAfterDays: ${days}), and its delete rule deletes it.`
    : `With deactivateUnusedAfterDays set, keyrotor deactivates and then deletes such keys; or delete it now (aws iam delete-access-key).`;
  return {
    kind: "remove",
    keys: labels,
    summary: `Remove the unused ${labels.length === 1 ? "key" : "keys"} ${labels.join(", ")}`,
    why: `${told.join("; ")}: nothing has needed it for ${days} days or more. ${rule}`,
    lastUses: keys.map(lastUse),
    byKeyrotor,
  };
}

const useText = (u: ServiceUse) => `${u.service}${u.regions.length ? ` in ${u.regions.join(", ")}` : ""}`;

/** Why the key is not advised a CI role, when it is delivered somewhere. */
function deliveredElsewhere(destinations: readonly BoundDestination[]): string {
  if (destinations.length === 0) return "";
  const others = destinations.filter((d) => !isCiDestination(d.destination)).map((d) => d.label);
  return ` It is delivered to ${others.join(", ")}${others.length < destinations.length ? " besides CI" : ""}: whatever reads it there needs the replacement too.`;
}

function replaceItem(keys: readonly AdvisedKey[], facts: AdviceFacts): AdviceItem {
  const base = { keys: keys.map(keyLabel), lastUses: keys.map(lastUse) };
  const uses = serviceUses(keys);
  const { destinations } = facts;
  if (destinations.length > 0 && destinations.every((d) => isCiDestination(d.destination))) {
    const role = oidcRole({ ...facts, partition: facts.partition ?? "aws", destinations, uses });
    const providers = [...new Set(role.providers.map((p) => PROVIDER_NAMES[p.provider]))];
    const fill = role.placeholders.length
      ? ` Fill in ${role.placeholders.map((p) => `<${p.name}>`).join(", ")} in the documents first.`
      : "";
    return {
      kind: "oidc",
      ...base,
      summary: `Replace the key with role ${role.roleName}, assumed with OIDC tokens from ${andList(providers)}`,
      why: `The key goes only to CI (${destinations.map((d) => d.label).join("; ")}), whose jobs get OIDC tokens an IAM role can trust: they would get credentials that expire within the hour, and no key would be stored to rotate or leak.${fill}`,
      role,
    };
  }
  const elsewhere = deliveredElsewhere(destinations);
  const bootstrap = uses.some((u) => BOOTSTRAP.has(u.actionPrefix));
  if (uses.length > 0 && uses.length <= FEW_SERVICES && !bootstrap) {
    return {
      kind: "scoped-role",
      ...base,
      summary: `Replace the key with a role allowing ${uses.map((u) => u.actionPrefix).join(", ")} only (last used with ${uses.map(useText).join("; ")})`,
      why: `Its keys were last used with ${uses.map((u) => `${useText(u)} on ${day(u.lastUsedAt)}`).join("; ")}: a role for that gives the workload credentials that expire on their own (an instance profile, task or function role on AWS; IAM Roles Anywhere outside). keyrotor sees each key's last use only: IAM Access Analyzer can generate the full policy from the user's CloudTrail activity.${elsewhere}`,
      services: uses,
      permissionsPolicy: permissionsSkeleton(uses),
    };
  }
  const reason = bootstrap
    ? "Its keys were last used with STS (assuming roles or getting session tokens): they fetch other credentials"
    : uses.length > FEW_SERVICES
      ? `Its keys were used with ${uses.length} services, more than one narrow role covers`
      : "keyrotor has not seen what its keys are used for";
  return {
    kind: "roles-anywhere-or-identity-center",
    ...base,
    summary:
      "Replace the key with IAM Roles Anywhere (a server outside AWS) or IAM Identity Center (a person)",
    why: `${reason}. Roles Anywhere gives a server outside AWS credentials that expire, from its X.509 certificate; Identity Center gives a person credentials that expire, through aws sso login. Neither leaves a long-lived key behind.${elsewhere}`,
    services: uses,
  };
}

/**
 * The advice for one user's Active keys, from facts keyrotor already has. Each key gets the first
 * kind that applies: unused for the period → remove; in use and delivered only to CI → an OIDC role
 * for those pipelines; used with a few AWS services → a role scoped to them; otherwise Roles Anywhere
 * or Identity Center. Pure: the same facts give the same advice, and nothing is created.
 */
export function adviseUser(facts: AdviceFacts): Advice {
  const days = facts.deactivateUnusedAfterDays ?? DEFAULT_UNUSED_DAYS;
  const active = facts.keys.filter((k) => k.status === "Active").map((k) => withoutOwnUse(k, k.verified));
  const idle = active.filter((k) => unused(k, days, facts.now));
  const inUse = active.filter((k) => !idle.includes(k));
  return {
    accountId: facts.accountId,
    userName: facts.userName,
    asOf: facts.now.toISOString(),
    activeKeys: active.length,
    items: [
      ...(idle.length > 0 ? [removeItem(idle, facts, days)] : []),
      ...(inUse.length > 0 ? [replaceItem(inUse, facts)] : []),
    ],
  };
}

/** How many keys have advice of each kind: what the report counts, month by month. */
export function keysByKind(advice: readonly Advice[]): Record<AdviceKind, number> {
  const counts = Object.fromEntries(ADVICE_KINDS.map((k) => [k, 0])) as Record<AdviceKind, number>;
  for (const item of advice.flatMap((a) => a.items)) counts[item.kind] += item.keys.length;
  return counts;
}
