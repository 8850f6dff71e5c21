import { AWS_SAMPLE_MODEL } from "./aws-sample";
import type { MonthsLaterFigures } from "./months-later";
import type { RotationDayFigures } from "./rotation-day";
import type { StepCosts } from "./step-costs";

/**
 * The cost figures as markdown tables, ready for README.md's "What it costs, months into rotation"
 * (`npm run bench -- --only steps,rotationDay,monthsLater --markdown`).
 */

const n = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 1 });
const row = (cells: readonly (string | number)[]) =>
  `| ${cells.map((c) => (typeof c === "number" ? n(c) : c)).join(" | ")} |`;
const header = (cells: readonly string[]) => [row(cells), row(cells.map(() => "---"))];

/** Target for the months-later organization at 200 users: every call, divided by its accounts. */
export const MONTHS_LATER_TARGET_AT_200 = 25;

export function stepsTable(s: StepCosts): string[] {
  return [
    ...header(["Step (day)", "Member-account calls, in order", "Member", "Ledger", "Together", "Notices"]),
    ...s.steps.map((c) =>
      row([
        `${c.step} (${c.day})`,
        c.memberOperations.map((op) => `\`${op}\``).join(", "),
        c.member,
        c.ledger,
        `**${n(c.together)}**`,
        c.emails,
      ]),
    ),
  ];
}

export function rotationDayTable(rows: readonly RotationDayFigures[]): string[] {
  return [
    ...header([
      "Users per account",
      "Rotations / account",
      "Member calls / account",
      "Ledger / account",
      "Together / account",
      "Every call ÷ accounts (management included)",
      "AWS's sample / account",
    ]),
    ...rows.map((r) =>
      row([
        r.usersPerAccount,
        r.rotationsPerAccount,
        r.callsPerAccountPerDay,
        r.ledgerCallsPerAccountPerDay,
        r.togetherPerAccountPerDay,
        `**${n(r.orgCallsPerAccountPerDay)}**`,
        r.awsSampleCallsPerAccountPerDay,
      ]),
    ),
  ];
}

export function monthsLaterTable(rows: readonly MonthsLaterFigures[]): string[] {
  return [
    ...header([
      "Users per account",
      "Member calls / account / day",
      "Ledger / day",
      "Together / day",
      "Every call ÷ accounts (management included)",
      "Actions / day",
      "Users looked at / day",
      "AWS's sample, same days",
    ]),
    ...rows.map((r) =>
      row([
        r.usersPerAccount,
        r.callsPerAccountPerDay,
        r.ledgerCallsPerAccountPerDay,
        r.togetherPerAccountPerDay,
        r.usersPerAccount === 200
          ? `**${n(r.orgCallsPerAccountPerDay)}** (target ≤ ${MONTHS_LATER_TARGET_AT_200})`
          : `**${n(r.orgCallsPerAccountPerDay)}**`,
        r.actionsPerAccountPerDay,
        r.usersLookedAtPerDay,
        r.awsSampleCallsPerAccountPerDay,
      ]),
    ),
  ];
}

/** The tables of the parts measured, each under a line saying what it is. */
export function costMarkdown(figures: {
  steps?: StepCosts;
  rotationDay?: { rows: readonly RotationDayFigures[] };
  monthsLater?: { rows: readonly MonthsLaterFigures[] };
}): string[] {
  const out: string[] = [];
  if (figures.steps) {
    out.push(
      `Per step of one user's key (moto through the fault proxy, first attempts, ${figures.steps.measuredOn}); the nothing-due row is the whole run's (${figures.steps.accountsSwept} accounts swept), the others the user's beyond it:`,
      "",
      ...stepsTable(figures.steps),
      "",
    );
  }
  if (figures.rotationDay) {
    out.push(
      "A rotation day, every user due (simulated, 2 member accounts + management):",
      "",
      ...rotationDayTable(figures.rotationDay.rows),
      "",
    );
  }
  if (figures.monthsLater) {
    out.push(
      "Months later, 30 daily runs (simulated, 2 member accounts + management):",
      "",
      ...monthsLaterTable(figures.monthsLater.rows),
      "",
    );
  }
  if (out.length > 0) out.push(`AWS's sample: ${AWS_SAMPLE_MODEL}.`);
  return out;
}
