import type { Config, Policy } from "../shared/config";
import type { Binding, Destination } from "../shared/destinations/schema";
import { describeDestination, destinationId } from "../shared/destinations/validate";
import { POLICY_FIELDS } from "../shared/policies/fields";

/**
 * What a change of configuration would change, for the people who review it: each setting that
 * differs; per binding (account, user pattern), each destination added, removed or changed; and
 * whether the change widens who may read keys (a reader added anywhere) or removes destinations; per
 * policy (by name), whether it was added or removed, each field it sets changed and what its scope
 * gained or lost.
 */
export type ConfigChange =
  | { readonly kind: "setting"; readonly name: string; readonly from: unknown; readonly to: unknown }
  | {
      readonly kind: "destination";
      readonly change: "added" | "removed" | "changed";
      readonly binding: string;
      readonly destination: string;
    }
  | {
      readonly kind: "readers";
      readonly change: "widened" | "narrowed";
      readonly where: string;
      readonly principals: readonly string[];
    }
  | {
      readonly kind: "policy";
      readonly change: "added" | "removed";
      readonly name: string;
      readonly policy: Policy;
    }
  | {
      readonly kind: "policy";
      readonly change: "changed";
      readonly name: string;
      readonly field: PolicyField;
      /** `undefined`: the policy leaves the field to the default. */
      readonly from: unknown;
      readonly to: unknown;
    }
  | {
      readonly kind: "policy";
      readonly change: "scope";
      readonly name: string;
      readonly scope: PolicyScope;
      readonly added: readonly string[];
      readonly removed: readonly string[];
    };

type PolicyField = (typeof POLICY_FIELDS)[number];
type PolicyScope = (typeof POLICY_SCOPES)[number];
const POLICY_SCOPES = ["ous", "accounts", "users"] as const;

/** Settings whose lists name who may read a key: anything added to them widens access. */
const READER_SETTINGS = ["readerPrincipals", "readerTagAllowlist"] as const;

const json = (v: unknown) => JSON.stringify(v);
const bindingKey = (b: Binding) => `account ${b.account}, user ${b.user}`;

function destinationsByBinding(config: Config): Map<string, Map<string, Destination>> {
  const out = new Map<string, Map<string, Destination>>();
  for (const b of config.deliveries) {
    const byId = out.get(bindingKey(b)) ?? new Map<string, Destination>();
    for (const d of b.destinations) byId.set(destinationId(d), d);
    out.set(bindingKey(b), byId);
  }
  return out;
}

const readersOf = (d: Destination | undefined) => (d && "readers" in d ? d.readers : []);

function readerChanges(where: string, before: readonly string[], after: readonly string[]): ConfigChange[] {
  const added = after.filter((p) => !before.includes(p));
  const removed = before.filter((p) => !after.includes(p));
  return [
    ...(added.length > 0
      ? [{ kind: "readers" as const, change: "widened" as const, where, principals: added }]
      : []),
    ...(removed.length > 0
      ? [{ kind: "readers" as const, change: "narrowed" as const, where, principals: removed }]
      : []),
  ];
}

/** The policies' changes, by name: each added or removed whole, else its scope's and its fields' changes. */
function policyChanges(before: readonly Policy[], after: readonly Policy[]): ConfigChange[] {
  const was = new Map(before.map((p) => [p.name, p]));
  const is = new Map(after.map((p) => [p.name, p]));
  const changes: ConfigChange[] = [];
  for (const name of [...new Set([...was.keys(), ...is.keys()])].sort()) {
    const a = was.get(name);
    const b = is.get(name);
    if (!a || !b) {
      changes.push({ kind: "policy", change: a ? "removed" : "added", name, policy: (b ?? a) as Policy });
      continue;
    }
    for (const scope of POLICY_SCOPES) {
      const added = (b[scope] ?? []).filter((x) => !(a[scope] ?? []).includes(x));
      const removed = (a[scope] ?? []).filter((x) => !(b[scope] ?? []).includes(x));
      if (added.length + removed.length > 0)
        changes.push({ kind: "policy", change: "scope", name, scope, added, removed });
    }
    for (const field of [...POLICY_FIELDS].sort()) {
      if (json(a[field]) !== json(b[field])) {
        changes.push({ kind: "policy", change: "changed", name, field, from: a[field], to: b[field] });
      }
    }
  }
  return changes;
}

/** Every change from `before` to `after`, settings first, then destinations by binding, then policies. */
export function configDiff(before: Config, after: Config): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((n) => n !== "deliveries" && n !== "policies")
    .sort();
  for (const name of names) {
    const from = (before as Record<string, unknown>)[name];
    const to = (after as Record<string, unknown>)[name];
    if (json(from) === json(to)) continue;
    changes.push({ kind: "setting", name, from, to });
    if ((READER_SETTINGS as readonly string[]).includes(name)) {
      changes.push(
        ...readerChanges(`every secret (${name})`, (from as string[]) ?? [], (to as string[]) ?? []),
      );
    }
  }
  const old = destinationsByBinding(before);
  const now = destinationsByBinding(after);
  for (const binding of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const was = old.get(binding) ?? new Map<string, Destination>();
    const is = now.get(binding) ?? new Map<string, Destination>();
    for (const id of [...new Set([...was.keys(), ...is.keys()])].sort()) {
      const a = was.get(id);
      const b = is.get(id);
      if (json(a) === json(b)) continue;
      const destination = describeDestination((b ?? a) as Destination);
      changes.push({
        kind: "destination",
        change: !a ? "added" : !b ? "removed" : "changed",
        binding,
        destination,
      });
      changes.push(...readerChanges(`${destination} (${binding})`, readersOf(a), readersOf(b)));
    }
  }
  changes.push(...policyChanges(before.policies ?? [], after.policies ?? []));
  return changes;
}

/** A policy's field as the diff writes it: its JSON, or `(default)` when the policy leaves it to the default. */
const fieldText = (v: unknown) => (v === undefined ? "(default)" : json(v));

/** A policy's scope and what it sets: `(ous: ou-1, users: ci-*): mode "enforce", rotateAfterDays 30`. */
function policyText(p: Policy): string {
  const scope = POLICY_SCOPES.filter((s) => (p[s]?.length ?? 0) > 0)
    .map((s) => `${s}: ${p[s]?.join(", ")}`)
    .join("; ");
  const sets = POLICY_FIELDS.filter((f) => p[f] !== undefined).map((f) => `${f} ${json(p[f])}`);
  return `(${scope})${sets.length > 0 ? `: ${sets.join(", ")}` : ""}`;
}

function policyLines(c: Extract<ConfigChange, { kind: "policy" }>): string[] {
  if ("policy" in c) {
    return c.change === "added"
      ? [`+ policy ${c.name} ${policyText(c.policy)}`]
      : [
          `- policy ${c.name} ${policyText(c.policy)} (REMOVED: its places fall back to another policy or the default)`,
        ];
  }
  if ("field" in c) return [`~ policy ${c.name}.${c.field}: ${fieldText(c.from)} -> ${fieldText(c.to)}`];
  return [
    ...(c.added.length > 0 ? [`+ policy ${c.name} ${c.scope}: ${c.added.join(", ")}`] : []),
    ...(c.removed.length > 0 ? [`- policy ${c.name} ${c.scope}: ${c.removed.join(", ")}`] : []),
  ];
}

/** One line per change, for a reviewer: `+` added or widened, `-` removed or narrowed, `~` changed. */
export function formatConfigDiff(changes: readonly ConfigChange[]): string[] {
  return changes.flatMap((c) => {
    if (c.kind === "policy") return policyLines(c);
    if (c.kind === "setting") return `~ ${c.name}: ${json(c.from)} -> ${json(c.to)}`;
    if (c.kind === "readers") {
      return `${c.change === "widened" ? "+" : "-"} readers of ${c.where}: ${c.principals.join(", ")} (${c.change.toUpperCase()})`;
    }
    const mark = c.change === "added" ? "+" : c.change === "removed" ? "-" : "~";
    return `${mark} ${c.binding}: ${c.destination}${c.change === "removed" ? " (REMOVED: that pipeline gets no new key)" : ""}`;
  });
}
