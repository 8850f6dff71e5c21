import { percent } from "../percent";
import type { MonthlyKeys, MonthlyRotations } from "../types";
import { num, shareOf, text } from "./text";

/** How a bar reads: fine, getting close, past a limit, or neutral. */
export type Tone = "ok" | "warn" | "bad" | "info";

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly tone: Tone;
}

const WIDTH = 520;
const LABEL_WIDTH = 140;
/** Room right of the longest bar for its count and share. */
const VALUE_WIDTH = 140;
const ROW = 30;

/**
 * Horizontal bars, one per band, each with its count and share of `total` written beside it, so the
 * chart reads without a legend. The numbers are also in the title for screen readers. Longer labels
 * take a wider `labelWidth`, and the bars give way.
 */
export function barChart(
  id: string,
  caption: string,
  bars: readonly Bar[],
  total: number,
  labelWidth = LABEL_WIDTH,
): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const barWidth = WIDTH - labelWidth - VALUE_WIDTH;
  const height = bars.length * ROW + 8;
  const rows = bars.map((bar, i) => {
    const y = 4 + i * ROW;
    const width = bar.value > 0 ? Math.max(2, Math.round((bar.value / max) * barWidth)) : 0;
    const label = `${num(bar.value)} (${percent(shareOf(bar.value, total))})`;
    return (
      `<text x="0" y="${y + 20}">${text(bar.label)}</text>` +
      `<rect class="bar-${bar.tone}" x="${labelWidth}" y="${y + 5}" width="${width}" height="${ROW - 10}" rx="2"/>` +
      `<text x="${labelWidth + width + 6}" y="${y + 20}">${label}</text>`
    );
  });
  const summary = bars.map((b) => `${b.label}: ${num(b.value)}`).join("; ");
  return figure(
    id,
    caption,
    `<svg role="img" aria-labelledby="${id}-t" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">` +
      `<title id="${id}-t">${text(`${caption}. ${summary}`)}</title>` +
      `<line class="axis" x1="${labelWidth}" y1="0" x2="${labelWidth}" y2="${height}"/>${rows.join("")}</svg>`,
  );
}

/** Room for one month's column and its label ("Sep 2025"). */
const MONTH_STEP = 70;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Sep 2025" for "2025-09" (a two-digit year would read as a day of the month); anything else as it came. */
export function monthLabel(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const name = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return match && name ? `${name} ${match[1]}` : month;
}

/**
 * Rotations recorded per month as columns with their count on top, and under each month the median
 * days from a rotation falling due to its key being recorded (a dash for a month without rotations).
 */
export function monthlyChart(id: string, caption: string, history: readonly MonthlyRotations[]): string {
  if (history.length === 0) return figure(id, caption, "<p>keyrotor has recorded no rotation yet.</p>");
  const left = 120;
  const step = MONTH_STEP;
  const width = Math.max(WIDTH, left + history.length * step);
  const top = 20;
  const plot = 120;
  const max = Math.max(1, ...history.map((m) => m.rotations));
  const columns = history.map((m, i) => {
    const x = left + i * step;
    const h = m.rotations > 0 ? Math.max(2, Math.round((m.rotations / max) * plot)) : 0;
    const late = m.medianDaysLate === null ? "—" : `${num(m.medianDaysLate)} d`;
    const tone = m.medianDaysLate !== null && m.medianDaysLate > 0 ? ` class="late-text"` : "";
    return (
      `<rect class="bar-info" x="${x + 8}" y="${top + plot - h}" width="${step - 16}" height="${h}" rx="2"/>` +
      `<text x="${x + step / 2}" y="${top + plot - h - 4}" text-anchor="middle">${num(m.rotations)}</text>` +
      `<text x="${x + step / 2}" y="${top + plot + 16}" text-anchor="middle">${text(monthLabel(m.month))}</text>` +
      `<text${tone} x="${x + step / 2}" y="${top + plot + 36}" text-anchor="middle">${late}</text>`
    );
  });
  const height = top + plot + 46;
  const summary = history
    .map((m) => `${m.month}: ${m.rotations}, median ${m.medianDaysLate ?? "no"} days late`)
    .join("; ");
  return figure(
    id,
    caption,
    `<svg role="img" aria-labelledby="${id}-t" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
      `<title id="${id}-t">${text(`${caption}. ${summary}`)}</title>` +
      `<line class="axis" x1="${left}" y1="${top + plot}" x2="${width}" y2="${top + plot}"/>` +
      `<text x="0" y="${top + plot - 4}">rotations</text>` +
      `<text x="0" y="${top + plot + 36}">median days late</text>` +
      `${columns.join("")}</svg>`,
  );
}

/**
 * Long-lived keys per month as a line from the first month counted, the count over each point and the
 * month under it, on a scale from zero so a fall reads as large as it is. A hollow point is a month
 * where some accounts' counts were carried from an earlier month; a month without any count breaks
 * the line.
 */
export function trendChart(id: string, caption: string, trend: readonly MonthlyKeys[]): string {
  const first = trend.findIndex((m) => m.activeKeys !== null);
  if (first < 0) return figure(id, caption, "<p>No keyrotor run has counted its Active keys yet.</p>");
  const shown = trend.slice(first);
  const left = 120;
  const step = MONTH_STEP;
  const top = 24;
  const plot = 120;
  const width = Math.max(WIDTH, left + shown.length * step);
  const max = Math.max(1, ...shown.map((m) => m.activeKeys ?? 0));
  const at = (i: number, value: number) =>
    [left + i * step + step / 2, top + plot - Math.round((value / max) * plot)] as const;
  const lines: string[] = [];
  let run: string[] = [];
  const marks = shown.map((m, i) => {
    const [x] = at(i, 0);
    const month = `<text x="${x}" y="${top + plot + 18}" text-anchor="middle">${text(monthLabel(m.month))}</text>`;
    if (m.activeKeys === null) {
      if (run.length > 1) lines.push(`<polyline class="trend-line" points="${run.join(" ")}"/>`);
      run = [];
      return month;
    }
    const [, y] = at(i, m.activeKeys);
    run.push(`${x},${y}`);
    return (
      `<circle class="trend-dot${m.carried > 0 ? " carried" : ""}" cx="${x}" cy="${y}" r="4"/>` +
      `<text x="${x}" y="${y - 8}" text-anchor="middle">${num(m.activeKeys)}</text>${month}`
    );
  });
  if (run.length > 1) lines.push(`<polyline class="trend-line" points="${run.join(" ")}"/>`);
  const height = top + plot + 28;
  const summary = shown
    .map(
      (m) =>
        `${m.month}: ${m.activeKeys ?? "no count"}${m.carried > 0 ? ` (${m.carried} of ${m.accounts} accounts carried)` : ""}`,
    )
    .join("; ");
  return figure(
    id,
    caption,
    `<svg role="img" aria-labelledby="${id}-t" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
      `<title id="${id}-t">${text(`${caption}. ${summary}`)}</title>` +
      `<line class="axis" x1="${left}" y1="${top + plot}" x2="${width}" y2="${top + plot}"/>` +
      `<text x="0" y="${top + plot - 4}">Active keys</text>` +
      `${lines.join("")}${marks.join("")}</svg>`,
  );
}

function figure(id: string, caption: string, svg: string): string {
  return `<figure id="${id}"><figcaption>${text(caption)}</figcaption>${svg}</figure>`;
}
