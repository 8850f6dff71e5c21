import { ADVICE_KINDS, type AdviceKind } from "../advice/types";
import { byRecency } from "./incidents";
import {
  type AccountSummary,
  AGE_BANDS,
  type AgeBand,
  type Attention,
  type FailingKey,
  type Incident,
  type KeyCounts,
  type MonthlyKeys,
  type MonthlyRotations,
  type OrgReport,
  USE_BANDS,
  type UseBand,
} from "./types";

/**
 * A made-up organization's report, the same for the same arguments: for tests of the renderers, the
 * bench's 10,000-account organization and screenshots. Its counts agree with each other (bands sum
 * to the Active keys, totals to the accounts) so a renderer cannot hide a slip behind odd data.
 */
export function sampleOrgReport(accounts: number, generatedAt = "2026-05-04T06:00:00.000Z"): OrgReport {
  const random = seeded(accounts + 17);
  const summaries = Array.from({ length: accounts }, (_, i) => sampleAccount(i, random));
  const attention = summaries
    .flatMap((a) => a.attention)
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  const totals = sumCounts(summaries);
  return {
    generatedAt,
    thresholds: { rotateAfterDays: 90, deactivateAfterDays: 100, deleteAfterDays: 110, unusedAfterDays: 45 },
    totals: {
      ...totals,
      accounts,
      unreadableAccounts: summaries.filter((a) => a.error !== undefined).length,
    },
    upcoming: {
      rotations: sum(summaries, (a) => a.upcoming.rotations),
      deactivations: sum(summaries, (a) => a.upcoming.deactivations),
      deletions: sum(summaries, (a) => a.upcoming.deletions),
    },
    accounts: summaries,
    outOfScope: accounts > 0 ? SAMPLE_OUT_OF_SCOPE : [],
    attention,
    history: sampleHistory(generatedAt, totals.activeKeys, random),
    trend: sampleTrend(generatedAt, totals.activeKeys, summaries.filter((a) => !a.error).length),
    incidents: sampleIncidents(summaries, generatedAt),
    failingIam3: sampleFailingIam3(summaries, generatedAt),
  };
}

/** An age in whole days for each band past IAM.3's 90 days. */
const FAILING_AGES = { "90-100": 95, "100-110": 104, ">=110": 131 } as const;

/**
 * The keys 90 days old or more, one per key the accounts' age bands hold (no random number drawn, so
 * the draws above stay those the renderers' tests were written against): made-up users and key ids,
 * every third never used, the oldest first.
 */
function sampleFailingIam3(accounts: readonly AccountSummary[], generatedAt: string): FailingKey[] {
  const keys: FailingKey[] = [];
  for (const a of accounts) {
    let n = 0;
    for (const [band, ageDays] of Object.entries(FAILING_AGES) as [keyof typeof FAILING_AGES, number][]) {
      for (let k = 0; k < a.byAge[band]; k++, n++) {
        const serial = `${a.accountId}${String(n).padStart(4, "0")}`.slice(-16);
        const used = new Date(Date.parse(generatedAt) - (n + 1) * 86_400_000).toISOString();
        keys.push({
          accountId: a.accountId,
          userName: `svc-${a.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${n + 1}`,
          keyId: `AKIA${serial}`,
          ageDays,
          lastUsedAt: n % 3 === 2 ? null : used,
        });
      }
    }
  }
  return keys.sort((x, y) => y.ageDays - x.ageDays || x.accountId.localeCompare(y.accountId));
}

/** The organization's accounts left out: one closing, one excluded by the configuration. */
const SAMPLE_OUT_OF_SCOPE = [
  { accountId: "999900000001", name: "retired-sandbox", reason: "not active (SUSPENDED)" },
  { accountId: "999900000002", name: "security-tooling", reason: "excluded by account id" },
] as const;

/** One account in this many has an incident of each kind, starting with the second and the fifth. */
const INCIDENT_EVERY = 400;

/**
 * Exposed keys, drawn from no random number (the draws above stay those the renderers' tests were
 * written against): in the second account of every 400 one AWS Health reported three days ago, replaced
 * and deactivated a minute later; in the fifth, one an operator reported this morning, still open
 * because its user holds two keys. The most recent first, as the report has them.
 */
function sampleIncidents(accounts: readonly AccountSummary[], generatedAt: string): Incident[] {
  const at = (hours: number, minutes = 0) =>
    new Date(Date.parse(generatedAt) - hours * 3_600_000 + minutes * 60_000).toISOString();
  const key = (n: number) => `AKIAEXAMPLE${String(n).padStart(9, "0")}`;
  const incidents: Incident[] = [];
  accounts.forEach((a, i) => {
    const team = a.name.split(" ")[0]?.toLowerCase() ?? "team";
    if (i % INCIDENT_EVERY === 1) {
      incidents.push({
        accountId: a.accountId,
        userName: `svc-${team}-deploy`,
        keyId: key(i * 2),
        state: "handled",
        trigger: "health",
        source: `arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/AWS_RISK_CREDENTIALS_EXPOSED_${i}`,
        response: "revoke",
        openedAt: at(72),
        replacedBy: key(i * 2 + 1),
        revokedAt: at(72, 1),
        handledAt: at(72, 1),
      });
    }
    if (i % INCIDENT_EVERY === 4) {
      incidents.push({
        accountId: a.accountId,
        userName: `svc-${team}-ci`,
        keyId: key(i * 2),
        state: "open",
        trigger: "cli",
        source: `cli-${generatedAt.slice(0, 10).replace(/-/g, "")}T0100Z`,
        reason: "printed in a public build log",
        response: "revoke",
        openedAt: at(5),
      });
    }
  });
  return incidents.sort(byRecency);
}

const KIND_ORDER: readonly Attention["kind"][] = [
  "blocked",
  "failing",
  "held",
  "undelivered",
  "in-use",
  "exempt",
];
const TEAMS = ["Payments", "Data platform", "Identity", "Search", "Mobile", "Billing", "Logistics", "Ads"];
const STAGES = ["prod", "staging", "dev"];
const REASONS: Record<Attention["kind"], string> = {
  blocked: "the user already has two Active keys; delete one so keyrotor can create the new key",
  failing: "CreateAccessKey failed: LimitExceeded (3 runs in a row)",
  held: "the new key is not confirmed by github:acme/deploy yet; the old key stays Active",
  undelivered: "terraform-cloud:acme/infra answered 401 Unauthorized; fix the token in keyrotor-tokens/tfc",
  "in-use": "the old key was used 2 days ago from eu-west-1 (s3) after its replacement",
  exempt: "member of IAMKeyRotationExemptionGroup",
};

function sampleAccount(i: number, random: () => number): AccountSummary {
  const team = TEAMS[i % TEAMS.length] ?? "Team";
  const stage = STAGES[Math.floor(i / TEAMS.length) % STAGES.length] ?? "prod";
  const round = Math.floor(i / (TEAMS.length * STAGES.length));
  const accountId = String(100000000000 + ((i * 7919 + 1234567) % 899999999999)).padStart(12, "0");
  const name = `${team} ${stage}${round > 0 ? ` ${round + 1}` : ""}`;
  const upcoming = { rotations: 0, deactivations: 0, deletions: 0 };
  // One account in 97 cannot be read: its counts stay zero, as the report leaves them.
  if (i % 97 === 10) {
    const error = "AccessDenied: could not assume keyrotor-member (is the StackSet deployed here?)";
    return { ...emptyCounts(), accountId, name, upcoming, attention: [], error };
  }
  // Most accounts are healthy; a few lag far behind, as in any organization adopting rotation.
  const health = random() < 0.15 ? random() * 0.6 : 0.85 + random() * 0.15;
  const users = 1 + Math.floor(random() ** 2 * 60);
  const usersWithKeys = Math.max(1, Math.round(users * (0.6 + random() * 0.4)));
  const activeKeys = usersWithKeys + Math.floor(random() * usersWithKeys * 0.2);
  const keys = activeKeys + Math.floor(random() * 3);
  const lag = 1 - health;
  const byAge = spread(AGE_BANDS, "<80", activeKeys, [0, 0.08, lag / 2, lag / 3, lag / 5], random);
  const byUse = spread(USE_BANDS, "<45", activeKeys, [0.02, 0, lag / 2 + 0.02, lag / 3], random);
  // Unused keys are to be removed; of the rest, CI keys get OIDC, a few-service keys a scoped role.
  const unusedShare = (byUse["45-90"] + byUse[">=90"]) / Math.max(1, activeKeys);
  const byAdvice = spread(
    ADVICE_KINDS,
    "roles-anywhere-or-identity-center",
    activeKeys,
    [unusedShare, 0.2, 0.35, 0],
    // Its own generator: the draws above stay those the renderers' tests were written against.
    seeded(i * 31 + 7),
  );
  const attention: Attention[] = [];
  const old = byAge["90-100"] + byAge["100-110"] + byAge[">=110"];
  for (let u = 0; u < Math.min(old, 3); u++) {
    if (random() > 0.35 + lag) continue;
    const kind = KIND_ORDER[Math.floor(random() * KIND_ORDER.length)] ?? "blocked";
    attention.push({
      accountId,
      userName: `svc-${team.toLowerCase().replace(/ /g, "-")}-${u + 1}`,
      kind,
      reason: REASONS[kind],
      oldestKeyDays: 90 + Math.floor(random() * 60),
      ...(kind === "exempt" ? {} : { since: `2026-04-2${u + 1}T06:00:00.000Z` }),
    });
  }
  return {
    accountId,
    name,
    users,
    usersWithKeys,
    keys,
    activeKeys,
    byAge,
    byUse,
    byAdvice,
    rotationCompliant: byAge["<80"] + byAge["80-90"],
    iam3Compliant: byAge["<80"] + byAge["80-90"],
    usageCompliant: byUse["<45"] + Math.floor(byUse.never / 2),
    upcoming: {
      rotations: Math.min(byAge["80-90"], Math.floor(random() * 4)),
      deactivations: Math.min(byAge["90-100"], Math.floor(random() * 3)),
      deletions: Math.min(byAge["100-110"], Math.floor(random() * 2)),
    },
    attention,
  };
}

/** `total` split over `bands` roughly by `weights` (shares of the total), the remainder in `rest`. */
function spread<B extends string>(
  bands: readonly B[],
  rest: B,
  total: number,
  weights: readonly number[],
  random: () => number,
): Record<B, number> {
  const out = Object.fromEntries(bands.map((b) => [b, 0])) as Record<B, number>;
  let left = total;
  for (const [i, band] of bands.entries()) {
    if (band === rest) continue;
    const share = Math.max(0, weights[i] ?? 0);
    const n = Math.min(left, Math.floor(total * share * (0.5 + random())));
    out[band] = n;
    left -= n;
  }
  out[rest] = left;
  return out;
}

function sampleHistory(generatedAt: string, activeKeys: number, random: () => number): MonthlyRotations[] {
  const end = new Date(generatedAt);
  return Array.from({ length: 12 }, (_, i) => {
    const at = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 11 + i, 1));
    const month = at.toISOString().slice(0, 7);
    // keyrotor was switched on three months into the year shown: nothing recorded before.
    if (i < 3) return { month, rotations: 0, medianDaysLate: null };
    const rotations = Math.round((activeKeys / 3) * (0.7 + random() * 0.6));
    const medianDaysLate = i < 6 ? 12 - i * 2 : Math.floor(random() * 2);
    return { month, rotations, medianDaysLate };
  });
}

/**
 * The long-lived keys of the 24 months to `generatedAt`: none recorded before keyrotor was switched on
 * (nine months back, as in the history), then falling to today's `activeKeys` as teams move to roles;
 * the current month carries a few accounts whose run has not come yet.
 */
function sampleTrend(generatedAt: string, activeKeys: number, accounts: number): MonthlyKeys[] {
  const end = new Date(generatedAt);
  return Array.from({ length: 24 }, (_, i) => {
    const month = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 23 + i, 1))
      .toISOString()
      .slice(0, 7);
    if (i < 15 || accounts === 0) return { month, activeKeys: null, accounts: 0, carried: 0 };
    const left = 23 - i;
    const keys = Math.round(activeKeys * (1 + left * 0.04 + (left > 4 ? 0.05 : 0)));
    return { month, activeKeys: keys, accounts, carried: left === 0 ? Math.ceil(accounts / 10) : 0 };
  });
}

const zero = <B extends string>(bands: readonly B[]) =>
  Object.fromEntries(bands.map((b) => [b, 0])) as Record<B, number>;

function emptyCounts(): KeyCounts {
  return {
    users: 0,
    usersWithKeys: 0,
    keys: 0,
    activeKeys: 0,
    byAge: zero<AgeBand>(AGE_BANDS),
    byUse: zero<UseBand>(USE_BANDS),
    byAdvice: zero<AdviceKind>(ADVICE_KINDS),
    rotationCompliant: 0,
    iam3Compliant: 0,
    usageCompliant: 0,
  };
}

function sumCounts(accounts: readonly KeyCounts[]): KeyCounts {
  const bands = <B extends string>(bandsOf: readonly B[], pick: (a: KeyCounts) => Record<B, number>) =>
    Object.fromEntries(bandsOf.map((b) => [b, sum(accounts, (a) => pick(a)[b])])) as Record<B, number>;
  return {
    users: sum(accounts, (a) => a.users),
    usersWithKeys: sum(accounts, (a) => a.usersWithKeys),
    keys: sum(accounts, (a) => a.keys),
    activeKeys: sum(accounts, (a) => a.activeKeys),
    byAge: bands(AGE_BANDS, (a) => a.byAge),
    byUse: bands(USE_BANDS, (a) => a.byUse),
    byAdvice: bands(ADVICE_KINDS, (a) => a.byAdvice ?? zero<AdviceKind>(ADVICE_KINDS)),
    rotationCompliant: sum(accounts, (a) => a.rotationCompliant),
    iam3Compliant: sum(accounts, (a) => a.iam3Compliant),
    usageCompliant: sum(accounts, (a) => a.usageCompliant),
  };
}

const sum = <T>(items: readonly T[], pick: (item: T) => number) => items.reduce((n, i) => n + pick(i), 0);

/** mulberry32: a small seeded generator, so the same call gives the same organization. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
