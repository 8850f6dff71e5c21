import type { MonthlyRotations } from "../types";
import { num, percent, shareOf, text } from "./text";

/** How a bar reads: fine, getting close, past a limit, or neutral. */
export type Tone = "ok" | "warn" | "bad" | "info";

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly tone: Tone;
}

const WIDTH = 520;
const LABEL_WIDTH = 140;
const BAR_WIDTH = 240;
const ROW = 30;

/**
 * Horizontal bars, one per band, each with its count and share of `total` written beside it, so the
 * chart reads without a legend. The numbers are also in the title for screen readers.
 */
export function barChart(id: string, caption: string, bars: readonly Bar[], total: number): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * ROW + 8;
  const rows = bars.map((bar, i) => {
    const y = 4 + i * ROW;
    const width = bar.value > 0 ? Math.max(2, Math.round((bar.value / max) * BAR_WIDTH)) : 0;
    const label = `${num(bar.value)} (${percent(shareOf(bar.value, total))})`;
    return (
      `<text x="0" y="${y + 20}">${text(bar.label)}</text>` +
      `<rect class="bar-${bar.tone}" x="${LABEL_WIDTH}" y="${y + 5}" width="${width}" height="${ROW - 10}" rx="2"/>` +
      `<text x="${LABEL_WIDTH + width + 6}" y="${y + 20}">${label}</text>`
    );
  });
  const summary = bars.map((b) => `${b.label}: ${num(b.value)}`).join("; ");
  return figure(
    id,
    caption,
    `<svg role="img" aria-labelledby="${id}-t" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">` +
      `<title id="${id}-t">${text(`${caption}. ${summary}`)}</title>` +
      `<line class="axis" x1="${LABEL_WIDTH}" y1="0" x2="${LABEL_WIDTH}" y2="${height}"/>${rows.join("")}</svg>`,
  );
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Sep 25" for "2025-09"; anything else as it came. */
function monthLabel(month: string): string {
  const match = /^\d{2}(\d{2})-(\d{2})$/.exec(month);
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
  const step = 56;
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

function figure(id: string, caption: string, svg: string): string {
  return `<figure id="${id}"><figcaption>${text(caption)}</figcaption>${svg}</figure>`;
}
