export { applyToFacts, decide, dueDate, newestKey, unrecordedKeys, unusedDueDate } from "./decide";
export { validateThresholds } from "./thresholds";
export { addDays, ageInDays, DAY_MS } from "./time";
export { keysFingerprint, needsLook, REPORT_SLACK_MS, type ReportedKey, stepDates } from "./triage";
export * from "./types";
