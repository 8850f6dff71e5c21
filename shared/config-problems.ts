import type * as z from "zod/mini";

/** One problem with the configuration: where it is and what is wrong there. */
export interface ConfigProblem {
  /** From the top: `["deliveries", 0, "destinations", 1, "apiUrl"]`; empty for the whole configuration. */
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

type Issue = z.core.$ZodIssue;

/** How a person reads a path: `deliveries[0].destinations[1].apiUrl`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join("");
}

/** A problem as one line: `deliveries[0].destinations[0]: unknown field "pth"`. */
export function problemText(problem: ConfigProblem): string {
  return problem.path.length === 0 ? problem.message : `${pathText(problem.path)}: ${problem.message}`;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** What one alternative of a union wanted, for a value that fitted none: `"cis"`, `an object`. */
function wanted(issue: Issue): string {
  if (issue.code === "invalid_value") return issue.values.map((v) => JSON.stringify(v)).join(" or ");
  if (issue.code === "invalid_type") return article(issue.expected);
  return issue.message;
}

/** Whether an alternative of a union failed inside the value: it was the value's kind, wrong in a part. */
const failedInside = (branch: readonly Issue[]) =>
  branch.some((i) => i.path.length > 0 || (i.code !== "invalid_type" && i.code !== "invalid_value"));

function problemsOf(issue: Issue, prefix: readonly PropertyKey[]): ConfigProblem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    if (path.length === 0) return [{ path, message: `unknown setting(s): ${issue.keys.join(", ")}` }];
    const names = issue.keys.map((k) => JSON.stringify(k)).join(", ");
    return [{ path, message: `unknown field${issue.keys.length === 1 ? "" : "s"} ${names}` }];
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // An object for "cis" or an object: the object's own problem is the one to name, at its place.
    const inside = issue.errors.filter(failedInside);
    const [only] = inside;
    if (only && inside.length === 1) return only.flatMap((i) => problemsOf(i, path));
    const alternatives = issue.errors.flatMap((branch) => branch.map(wanted));
    return [{ path, message: `Invalid input: expected ${[...new Set(alternatives)].join(" or ")}` }];
  }
  return [{ path, message: issue.message }];
}

/**
 * The schema's issues as problems, each at the deepest place it can be named: an unknown field where
 * it is (not as an unknown setting), a union's failure inside the alternative the value was.
 */
export function configProblems(issues: readonly Issue[]): ConfigProblem[] {
  return issues.flatMap((issue) => problemsOf(issue, []));
}
