import type { ConfigProblem } from "../config-problems";
import { validateThresholds } from "../lifecycle/thresholds";
import { ACCOUNT_FIELDS, scopedByUsers, THRESHOLD_FIELDS } from "./fields";
import type { Policy } from "./schema";

type Checked = { readonly policies: readonly Policy[] } & Record<(typeof THRESHOLD_FIELDS)[number], number>;

/** The threshold a refusal is put at: the last one the policy sets that the message names. */
function thresholdAt(policy: Policy, message: string): string {
  const set = THRESHOLD_FIELDS.filter((f) => policy[f] !== undefined);
  return set.filter((f) => message.includes(f)).pop() ?? set[0] ?? "rotateAfterDays";
}

/** One policy's own problems: its scope, the fields its rank may not set, its thresholds over the default's. */
function ownProblems(config: Checked, policy: Policy, i: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const list of ["ous", "accounts", "users"] as const) {
    if (policy[list]?.length === 0) {
      problems.push({ path: [i, list], message: "is empty: leave it out, or name what it scopes" });
    }
  }
  if (!policy.ous?.length && !policy.accounts?.length && !policy.users?.length) {
    problems.push({ path: [i], message: "names no OU, account or user: a policy needs a scope" });
  }
  if (scopedByUsers(policy)) {
    for (const field of ACCOUNT_FIELDS) {
      if (policy[field] === undefined) continue;
      problems.push({
        path: [i, field],
        message: "is an account's setting: a policy scoped by users may not set it",
      });
    }
  }
  const thresholds = {
    rotateAfterDays: policy.rotateAfterDays ?? config.rotateAfterDays,
    deactivateAfterDays: policy.deactivateAfterDays ?? config.deactivateAfterDays,
    deleteAfterDays: policy.deleteAfterDays ?? config.deleteAfterDays,
    warnBeforeDays: policy.warnBeforeDays ?? config.warnBeforeDays,
  };
  try {
    validateThresholds(thresholds);
  } catch (error) {
    const message = `${(error as Error).message} (thresholds a policy leaves out are the top-level ones)`;
    problems.push({ path: [i, thresholdAt(policy, message)], message });
  }
  return problems;
}

/** Where a user policy applies besides its patterns: its accounts and OUs (none: every account). */
const placesOf = (p: Policy) => [...(p.accounts ?? []), ...(p.ous ?? [])];

/**
 * Two policies of one rank for one place would leave keyrotor to guess: two names, two account or OU
 * policies naming the same id, two user policies with the same pattern over the same accounts (other
 * overlaps of user patterns are found at run time, and that user is blocked).
 */
function tieProblems(policies: readonly Policy[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  const claim = (key: string, i: number, path: readonly PropertyKey[], what: string) => {
    const first = seen.get(key);
    if (first === undefined) return void seen.set(key, i);
    if (first !== i) problems.push({ path, message: tie(what, first, policies) });
  };
  policies.forEach((p, i) => {
    claim(`name ${p.name}`, i, [i, "name"], `the name "${p.name}"`);
    if (scopedByUsers(p)) return;
    for (const id of p.accounts ?? []) claim(`account ${id}`, i, [i, "accounts"], `account ${id}`);
    for (const id of p.ous ?? []) claim(`ou ${id}`, i, [i, "ous"], `OU ${id}`);
  });
  policies.forEach((p, j) => {
    if (!scopedByUsers(p)) return;
    const earlier = policies.slice(0, j).findIndex((q) => {
      if (!scopedByUsers(q) || !q.users?.some((u) => p.users?.includes(u))) return false;
      const [mine, theirs] = [placesOf(p), placesOf(q)];
      return mine.length === 0 || theirs.length === 0 || mine.some((place) => theirs.includes(place));
    });
    const shared = policies[earlier]?.users?.find((u) => p.users?.includes(u));
    if (shared !== undefined) {
      problems.push({
        path: [j, "users"],
        message: tie(`user pattern "${shared}" over the same accounts`, earlier, policies),
      });
    }
  });
  return problems;
}

const tie = (what: string, first: number, policies: readonly Policy[]) =>
  `${what} is named by policies[${first}] ("${policies[first]?.name ?? ""}") too: which applies would be a guess`;

/**
 * Every problem with the configured policies, each at its place under `policies`: a scope that
 * names nothing, an account setting in a user policy, thresholds that do not hold once laid over the
 * default's, and ties.
 */
export function policyProblems(config: Checked): ConfigProblem[] {
  return [...config.policies.flatMap((p, i) => ownProblems(config, p, i)), ...tieProblems(config.policies)];
}
