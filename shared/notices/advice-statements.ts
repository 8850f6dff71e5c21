import type { NoticeEvent } from "../messages";
import type { UserReport } from "../rotation/report";
import { fingerprint, plain, type Statement } from "./matter";

/**
 * The lines that make the advice worth telling: the owner is about to deal with the user's key anyway.
 * A rotation announced, made or planned is when a pipeline's key could become a role instead; a key
 * about to be deactivated for disuse is when "remove it" is plainly true; a blocked or held user is one
 * a person must look at already. Failures, deliveries and old keys' retirement are the platform's
 * business and carry no advice.
 *
 * Why ride on those lines rather than tell the advice on its own the first time it exists: on keyrotor's
 * first run over an account, or when `discovery: full` looks at every user, every user with a key has
 * advice; told on its own, the first notice would list hundreds of users for whom nothing happened.
 * Riding, the advice adds a section only for users the notice names anyway, and comes at the moment it
 * can change something: about once per key, since a rotation changes the keys it is about.
 */
export function isAdviceOccasion(event: NoticeEvent): boolean {
  switch (event.kind) {
    case "created":
    case "would-create":
    case "warning":
    case "blocked":
    case "held":
      return true;
    default:
      return false;
  }
}

/** A summary is one line; the why names destinations and last uses, bounded all the same. */
const MAX_WHY = 1_200;

/**
 * One statement per item of the user's advice, a rider (see `Statement.rider`): told once per kind and
 * set of keys, with the first occasion the user gives (`isAdviceOccasion`). Its words are the advice's
 * summary; a changed summary (other services, another role) is news again at the next occasion.
 */
export function adviceStatements(user: UserReport): Statement[] {
  return (user.advice ?? []).map((a) => {
    const keys = a.keys.map((k) => plain(k, 60));
    const summary = plain(a.summary);
    return {
      matter: `advice:${a.kind}:${[...keys].sort().join(",")}`,
      said: fingerprint(summary),
      rider: true,
      event: { kind: "advice", advice: a.kind, keys, detail: summary, why: plain(a.why, MAX_WHY) },
    };
  });
}
