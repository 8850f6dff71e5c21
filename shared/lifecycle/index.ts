export {
  applyToFacts,
  decide,
  dueDate,
  newestKey,
  unrecordedKeys,
  unusedDueDate,
  VERIFICATION_USE_MS,
} from "./decide";
export {
  consumerLastUsedAt,
  isOwnUse,
  type KeyVerification,
  type LastUse,
  OWN_USE_TOLERANCE_MS,
  VERIFIED_WITHIN_MS,
  type Verification,
  verificationOf,
  withoutOwnUse,
} from "./own-use";
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
