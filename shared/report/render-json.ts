import type { OrgReport } from "./types";

/**
 * The report as JSON for pipelines: the facts as they are (`shared/report/types.ts` describes each),
 * indented, ending with a line break.
 */
export function renderJson(report: OrgReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
