export {
  applyToFacts,
  decide,
  dueDate,
  newestKey,
  unrecordedKeys,
  unusedDueDate,
  VERIFICATION_USE_MS,
} from "./decide";
export { validateThresholds } from "./thresholds";
export { addDays, ageInDays, DAY_MS } from "./time";
export {
  keysFingerprint,
  needsLook,
  type ReportedKey,
  stepDates,
  stepFallsDue,
  supersededInUse,
} from "./triage";
export * from "./types";
