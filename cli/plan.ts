import { ageInDays } from "../shared/lifecycle";
import type { ActionReport, UserReport } from "../shared/rotation/report";
import type { AccountOutcome } from "./sweep";

/** One key of one user of one account, and what keyrotor would do with it. */
export interface PlanRow {
  readonly accountId: string;
  readonly accountName: string;
  readonly userName: string;
  readonly keyId: string;
  readonly status: string;
  /** Whole days since creation; `null` on rows that are not about a key. */
  readonly ageDays: number | null;
  /** ISO date-time, `never`, or `""` when unknown. */
  readonly lastUsed: string;
  readonly decision: string;
  /** ISO date-time the decision falls (fell) due, `""` when nothing is scheduled. */
  readonly due: string;
}

export const PLAN_COLUMNS: (keyof PlanRow)[] = [
  "accountId",
  "accountName",
  "userName",
  "keyId",
  "status",
  "ageDays",
  "lastUsed",
  "decision",
  "due",
];

const ACTION_DECISION: Record<ActionReport["kind"], string> = {
  create: "rotate",
  deactivate: "deactivate",
  delete: "delete",
};

/** The decision and due date for one key: its action this run if any, else its next step, else keep. */
function keyDecision(
  user: UserReport,
  keyId: string,
  newestId: string | undefined,
): { decision: string; due: string } {
  if (user.status === "exempt") return { decision: user.reason ?? "exempt", due: "" };
  if (user.status === "held") return { decision: "held: unrecorded key in use", due: "" };
  const action = user.actions.find((a) =>
    a.kind === "create" ? a.detail === `replaces ${keyId}` : a.keyId === keyId,
  );
  if (action) {
    const unrecorded = action.kind === "delete" && action.detail === "unrecorded";
    return { decision: unrecorded ? "delete (unrecorded)" : ACTION_DECISION[action.kind], due: action.dueOn };
  }
  if (user.status === "blocked" && keyId === newestId) {
    return { decision: "blocked: two keys, none deletable yet", due: user.blockedSince ?? "" };
  }
  const next = user.upcoming.find((u) => u.keyId === keyId);
  return next ? { decision: `keep (${next.action} later)`, due: next.on } : { decision: "keep", due: "" };
}

/** The plan table: one row per key, plus one row per user or account that could not be read. */
export function planRows(
  outcomes: readonly AccountOutcome[],
  lastUsed: ReadonlyMap<string, Date | null>,
  now: Date,
): PlanRow[] {
  const rows: PlanRow[] = [];
  for (const outcome of outcomes) {
    const account = { accountId: outcome.job.account.id, accountName: outcome.job.account.name };
    const none = { keyId: "-", status: "-", ageDays: null, lastUsed: "", due: "" };
    if (outcome.error) {
      rows.push({ ...account, ...none, userName: "-", decision: `account failed: ${outcome.error.message}` });
      continue;
    }
    const policy = outcome.report?.passwordPolicy;
    if (policy) {
      const decision =
        policy.outcome === "failed"
          ? `password policy failed: ${policy.error?.message ?? ""}`
          : policy.outcome === "compliant"
            ? "password policy compliant"
            : `password policy: ${policy.changes.join("; ")}`;
      rows.push({ ...account, ...none, userName: "(account)", decision });
    }
    for (const user of outcome.report?.users ?? []) {
      if (user.status === "failed") {
        rows.push({
          ...account,
          ...none,
          userName: user.userName,
          decision: `failed: ${user.error?.message ?? ""}`,
        });
        continue;
      }
      const newestId = [...user.keys].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]?.id;
      for (const key of user.keys) {
        const used = lastUsed.get(key.id);
        rows.push({
          ...account,
          userName: user.userName,
          keyId: key.id,
          status: key.status,
          ageDays: ageInDays(new Date(key.createdAt), now),
          lastUsed: used === undefined ? "" : used === null ? "never" : used.toISOString(),
          ...keyDecision(user, key.id, newestId),
        });
      }
    }
  }
  return rows;
}

const cell = (value: PlanRow[keyof PlanRow]) => (value === null ? "" : String(value));
const day = (value: string) => (/^\d{4}-\d\d-\d\dT/.test(value) ? value.slice(0, 10) : value);

/** An aligned text table with dates shortened to days. */
export function formatTable(rows: readonly PlanRow[]): string {
  const header = ["ACCOUNT", "NAME", "USER", "KEY", "STATUS", "AGE", "LAST USED", "DECISION", "DUE"];
  const body = rows.map((r) => PLAN_COLUMNS.map((c) => day(cell(r[c]))));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]?.length ?? 0)));
  return [header, ...body]
    .map((line) =>
      line
        .map((v, i) => v.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** RFC 4180 CSV with a header row of the JSON field names. */
export function formatCsv(rows: readonly PlanRow[]): string {
  const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return [
    PLAN_COLUMNS.join(","),
    ...rows.map((r) => PLAN_COLUMNS.map((c) => quote(cell(r[c]))).join(",")),
  ].join("\n");
}
