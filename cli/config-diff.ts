import type { Config } from "../shared/config";
import type { Binding, Destination } from "../shared/destinations/schema";
import { describeDestination, destinationId } from "../shared/destinations/validate";

/**
 * What a change of configuration would change, for the people who review it: each setting that
 * differs; per binding (account, user pattern), each destination added, removed or changed; and
 * whether the change widens who may read keys (a reader added anywhere) or removes destinations.
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
    };

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

/** Every change from `before` to `after`, settings first, then destinations by binding. */
export function configDiff(before: Config, after: Config): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((n) => n !== "deliveries")
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
  return changes;
}

/** One line per change, for a reviewer: `+` added or widened, `-` removed or narrowed, `~` changed. */
export function formatConfigDiff(changes: readonly ConfigChange[]): string[] {
  return changes.map((c) => {
    if (c.kind === "setting") return `~ ${c.name}: ${json(c.from)} -> ${json(c.to)}`;
    if (c.kind === "readers") {
      return `${c.change === "widened" ? "+" : "-"} readers of ${c.where}: ${c.principals.join(", ")} (${c.change.toUpperCase()})`;
    }
    const mark = c.change === "added" ? "+" : c.change === "removed" ? "-" : "~";
    return `${mark} ${c.binding}: ${c.destination}${c.change === "removed" ? " (REMOVED: that pipeline gets no new key)" : ""}`;
  });
}
