import { wildcardMatches } from "../wildcard";
import { collisionProblems, type DeliveryProblem } from "./collisions";
import { kindOf } from "./kinds";
import type { Binding, Destination } from "./schema";
import type { SmtpDelivery } from "./smtp/binding";
import { smtpProblems } from "./smtp/binding";
import { type WrittenDestination, writtenDestinations } from "./smtp/written";
import { DEFAULT_VARIABLE_NAMES, type VariableNames } from "./types";

const hasWildcard = (s: string) => s.includes("*");

/**
 * A destination's identity: the place it writes and, when not the usual ones, the variable names it
 * writes there; never its token. Two destinations with one identity would overwrite each other's key.
 */
export function destinationId(d: Destination): string {
  const names = otherNames(d);
  const place = kindOf(d).placeId(d);
  return names ? `${place}:names:${names.accessKeyId},${names.secretAccessKey}` : place;
}

/** The variable names a destination writes when they are not the usual ones; a place bound under two is two destinations. */
function otherNames(d: Destination): VariableNames | undefined {
  const names = "names" in d ? d.names : undefined;
  if (!names) return undefined;
  const usual =
    names.accessKeyId === DEFAULT_VARIABLE_NAMES.accessKeyId &&
    names.secretAccessKey === DEFAULT_VARIABLE_NAMES.secretAccessKey;
  return usual ? undefined : names;
}

/** How a destination reads in a notice or a report: the place, never the token. */
export function describeDestination(d: Destination): string {
  const names = otherNames(d);
  const place = kindOf(d).describe(d);
  return names ? `${place} as ${names.accessKeyId}/${names.secretAccessKey}` : place;
}

/** What a destination's own fields get wrong, each naming the field. */
function fieldProblems(d: Destination, secretPrefix: string): string[] {
  // One variable for both halves: the secret would overwrite the key id, or the other way round.
  const names = "names" in d ? d.names : undefined;
  const fold = (name: string) => (kindOf(d).nameFold === "exact" ? name : name.toUpperCase());
  if (names && fold(names.accessKeyId) === fold(names.secretAccessKey)) {
    return [`${d.type}: names.accessKeyId and names.secretAccessKey name one variable`];
  }
  return kindOf(d).problems(d, { secretPrefix });
}

/** What a destination's place must say so that each user of the binding gets a place of its own. */
function sharingProblems(b: Binding, d: Destination): string[] {
  const { template, namesUser } = kindOf(d);
  if (namesUser) return [];
  if (!template) {
    return hasWildcard(b.user) || b.account === "*"
      ? [`${d.type}: a CI destination takes one user's key: name one account and one user (no *)`]
      : [];
  }
  const place = template.get(d);
  const problems: string[] = [];
  if (hasWildcard(b.user) && !place.includes("{userName}")) {
    problems.push(`${d.type}: user ${b.user} may match several users: the path or name must say {userName}`);
  }
  if (template.elsewhere(d) && b.account === "*" && !place.includes("{accountId}")) {
    problems.push(
      `${d.type}: account * writes to one account for all: the path or name must say {accountId}`,
    );
  }
  return problems;
}

export type { DeliveryProblem } from "./collisions";

/**
 * Every problem of the `deliveries` setting, each at the destination it is about. Beyond field rules:
 * one key per place (no binding may send several users' keys to one place, no two destinations may
 * write two users' keys, or one user's key id and secret, to one place), and no place named twice.
 */
export function deliveryProblems(bindings: readonly Binding[], secretPrefix: string): DeliveryProblem[] {
  const problems: DeliveryProblem[] = [];
  const seen = new Map<string, string>();
  bindings.forEach((b, i) => {
    const smtp = b.smtp ? smtpProblems(b.smtp, b.destinations) : [];
    for (const { destination, message } of smtp) {
      problems.push({
        path: destination === undefined ? [i, "smtp"] : [i, "destinations", destination],
        message,
      });
    }
    // With its smtp option wrong, a binding's destinations are checked as configured, not as written.
    const written: WrittenDestination[] =
      smtp.length > 0
        ? b.destinations.map((destination, index) => ({ destination, index }))
        : writtenDestinations(b);
    const told = new Set<string>();
    for (const { destination: d, index: j, smtp: delivery } of written) {
      const path = [i, "destinations", j];
      const at = `deliveries[${i}].destinations[${j}]${delivery ? ` (SMTP ${delivery.region})` : ""}`;
      for (const message of [...fieldProblems(d, secretPrefix), ...sharingProblems(b, d)]) {
        if (told.has(`${j}:${message}`)) continue;
        told.add(`${j}:${message}`);
        problems.push({ path, message });
      }
      // The same user's destinations are told apart by their identity: a second one would not be written.
      const id = `${b.account}/${b.user}/${destinationId(d)}`;
      const earlier = seen.get(id);
      if (earlier) problems.push({ path, message: `writes where ${earlier} already does` });
      else seen.set(id, at);
    }
  });
  return [...problems, ...collisionProblems(bindings)];
}

/** A destination as it applies to one user: its templates filled in, and its identity. */
export interface BoundDestination {
  readonly id: string;
  readonly label: string;
  readonly destination: Destination;
  /** The Region whose SES SMTP credentials it gets instead of the key, when its binding says `smtp`. */
  readonly smtp?: SmtpDelivery;
}

/** Fills `{accountId}` and `{userName}` into a destination's path or name. */
function fill(d: Destination, accountId: string, userName: string): Destination {
  const template = kindOf(d).template;
  if (!template) return d;
  const put = (s: string) => s.replaceAll("{accountId}", accountId).replaceAll("{userName}", userName);
  return template.set(d, put(template.get(d)));
}

/** The destinations of one user, from every binding that matches it (each place once). */
export function destinationsOf(
  bindings: readonly Binding[],
  accountId: string,
  userName: string,
): BoundDestination[] {
  const byId = new Map<string, BoundDestination>();
  for (const b of bindings) {
    if (b.account !== "*" && b.account !== accountId) continue;
    if (!wildcardMatches(b.user, userName)) continue;
    for (const { destination: d, smtp } of writtenDestinations(b)) {
      const destination = fill(d, accountId, userName);
      const id = destinationId(destination).replace("{accountId}", accountId);
      if (byId.has(id)) continue;
      const label = describeDestination(destination);
      byId.set(
        id,
        smtp
          ? { id, label: `${label} (SES SMTP, ${smtp.region})`, destination, smtp }
          : { id, label, destination },
      );
    }
  }
  return [...byId.values()];
}
