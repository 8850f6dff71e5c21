import { DEFAULT_POLICY } from "../shared/config";
import { type CsvValue, csvRecord } from "../shared/csv";
import { ageInDays } from "../shared/lifecycle";
import type {
  ActionReport,
  AdviceReport,
  DeliveryReport,
  HoldReport,
  UsageReport,
  UserReport,
} from "../shared/rotation/report";
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
  /** The policy the decision was made under (`default`: the top-level settings); `""` when none applied. */
  readonly policy: string;
  /** On a delivery's row: the report's delivery as it is (destination, outcome, failure). */
  readonly delivery?: DeliveryReport;
  /** On a key's row: the deactivation held back, as the report has it. */
  readonly hold?: HoldReport;
  /** On a key's row: its use after its replacement reached every consumer. */
  readonly stillUsed?: UsageReport;
  /** On a key's row: how to get rid of it (the user's advice item that covers it), when it is Active. */
  readonly advice?: AdviceReport;
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

const HOLD_REASON: Record<HoldReport["reason"], (h: HoldReport) => string> = {
  undelivered: (h) => {
    const n = h.destinations?.length ?? 1;
    return `until ${n} ${n === 1 ? "destination confirms" : "destinations confirm"} the new key`;
  },
  "in-use": (h) => `in use${h.until ? ` (at most until ${h.until.slice(0, 10)})` : ""}`,
  reactivated: () => "re-activated by a person, left Active",
};

/** What a delivery's row says: where to, and how it went. */
function deliveryDecision(d: DeliveryReport): string {
  const tries = d.attempts ? ` (${d.attempts} attempt${d.attempts === 1 ? "" : "s"})` : "";
  const why = `${d.error?.message ?? "unknown error"}${d.fix ? `; fix: ${d.fix}` : ""}`;
  switch (d.outcome) {
    case "planned":
      return `deliver to ${d.destination}`;
    case "done":
      return `delivered to ${d.destination}`;
    case "failed":
      return `delivery to ${d.destination} failed${tries}: ${why}`;
    default:
      return `delivery to ${d.destination} failing, not retried${tries}: ${why}`;
  }
}

/** One row per delivery of the user's key: after the key rows, with the report's delivery kept whole. */
function deliveryRows(account: Pick<PlanRow, "accountId" | "accountName">, user: UserReport): PlanRow[] {
  return (user.deliveries ?? []).map((d) => ({
    ...account,
    userName: user.userName,
    keyId: d.keyId,
    status: "-",
    ageDays: null,
    lastUsed: "",
    decision: deliveryDecision(d),
    due: d.confirmedAt ?? d.failingSince ?? "",
    policy: user.policy ?? "",
    delivery: d,
  }));
}

/**
 * What blocks a user, as the plan says it: a secret keyrotor did not create (the finding that blocks),
 * else the two keys of which neither may go, else the run's own reason (a tie of policies, an exposure).
 */
function blockedBy(user: UserReport): string {
  const foreign = user.findings.find((f) => f.kind === "foreign-secret");
  if (foreign) return foreign.detail;
  if (user.reason === undefined || /two keys and neither may be deleted/.test(user.reason)) {
    return "two keys, none deletable yet";
  }
  return user.reason;
}

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
    return { decision: `blocked: ${blockedBy(user)}`, due: user.blockedSince ?? "" };
  }
  const hold = user.holds?.find((h) => h.keyId === keyId);
  if (hold) return { decision: `held: ${HOLD_REASON[hold.reason](hold)}`, due: hold.dueOn };
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
    const none = { keyId: "-", status: "-", ageDays: null, lastUsed: "", due: "", policy: "" };
    const accountPolicy = outcome.report?.policy?.name ?? "";
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
      rows.push({ ...account, ...none, userName: "(account)", decision, policy: accountPolicy });
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
      if (user.status === "blocked" && user.keys.length === 0) {
        rows.push({
          ...account,
          ...none,
          userName: user.userName,
          decision: `blocked: ${user.reason ?? ""}`,
        });
        continue;
      }
      const newestId = [...user.keys].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]?.id;
      for (const key of user.keys) {
        const used = lastUsed.get(key.id);
        const hold = user.holds?.find((h) => h.keyId === key.id);
        const stillUsed = user.stillUsed?.find((u) => u.keyId === key.id);
        const advice = user.advice?.find((a) => a.keys.includes(key.id));
        rows.push({
          ...account,
          userName: user.userName,
          keyId: key.id,
          status: key.status,
          ageDays: ageInDays(new Date(key.createdAt), now),
          lastUsed: used === undefined ? "" : used === null ? "never" : used.toISOString(),
          ...keyDecision(user, key.id, newestId),
          policy: user.policy ?? "",
          ...(hold ? { hold } : {}),
          ...(stillUsed ? { stillUsed } : {}),
          ...(advice ? { advice } : {}),
        });
      }
      rows.push(...deliveryRows(account, user));
    }
  }
  return rows;
}

const cell = (value: PlanRow[keyof PlanRow]) => (value === null || value === undefined ? "" : String(value));
const day = (value: string) => (/^\d{4}-\d\d-\d\dT/.test(value) ? value.slice(0, 10) : value);

/** A provider's message on one line of the terminal, whatever line breaks it held. */
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

/** Lines of cells padded to their column's width; a line's `note` follows it, indented, unaligned. */
function aligned(lines: readonly { cells: string[]; note?: string }[]): string[] {
  const widths = (lines[0]?.cells ?? []).map((_, i) =>
    Math.max(...lines.map((l) => l.cells[i]?.length ?? 0)),
  );
  return lines.flatMap(({ cells, note }) => [
    cells
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
    ...(note ? [`    ${note}`] : []),
  ]);
}

/**
 * An aligned text table of the keys with dates shortened to days, each key's advice on the line under
 * it, then, when any user has destinations, a table of the deliveries: a failure's error and fix on
 * the line under it. Notes rather than columns, so that long words do not widen the columns. A POLICY
 * column is added when a policy other than the default applied anywhere.
 */
export function formatTable(rows: readonly PlanRow[]): string {
  const header = ["ACCOUNT", "NAME", "USER", "KEY", "STATUS", "AGE", "LAST USED", "DECISION", "DUE"];
  const keys = rows.filter((r) => !r.delivery);
  const policies = keys.some((r) => r.policy !== "" && r.policy !== DEFAULT_POLICY);
  const columns: (keyof PlanRow)[] = policies ? [...PLAN_COLUMNS, "policy"] : PLAN_COLUMNS;
  const table = aligned([
    { cells: policies ? [...header, "POLICY"] : header },
    ...keys.map((r) => ({
      cells: columns.map((c) => day(cell(r[c]))),
      ...(r.advice ? { note: oneLine(`advice (${r.advice.kind}): ${r.advice.summary}`) } : {}),
    })),
  ]);
  const deliveries = rows.flatMap((r) => (r.delivery ? [{ row: r, d: r.delivery }] : []));
  if (deliveries.length === 0) return table.join("\n");
  const deliveryTable = aligned([
    { cells: ["ACCOUNT", "USER", "KEY", "DELIVERY", "SINCE", "ATTEMPTS", "DESTINATION"] },
    ...deliveries.map(({ row, d }) => ({
      cells: [
        row.accountId,
        row.userName,
        d.keyId,
        d.outcome,
        day(d.confirmedAt ?? d.failingSince ?? ""),
        d.attempts === undefined ? "" : String(d.attempts),
        d.destination,
      ],
      ...(d.error ? { note: oneLine(`error: ${d.error.message}${d.fix ? `; fix: ${d.fix}` : ""}`) } : {}),
    })),
  ]);
  return [...table, "", ...deliveryTable].join("\n");
}

/**
 * RFC 4180 CSV with a header row of the JSON field names. Its columns are those scripts already read:
 * the advice is in the JSON rows and under each key of the table. The age is the one number; every
 * other cell is text, names from outside keyrotor among them, and is written by `csvRecord` so that no
 * spreadsheet runs it.
 */
export function formatCsv(rows: readonly PlanRow[]): string {
  const value = (v: PlanRow[keyof PlanRow]): CsvValue =>
    typeof v === "number" ? v : typeof v === "string" ? v : "";
  return [PLAN_COLUMNS, ...rows.map((r) => PLAN_COLUMNS.map((c) => value(r[c])))].map(csvRecord).join("\n");
}
