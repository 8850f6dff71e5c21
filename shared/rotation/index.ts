export * from "./ports";
export * from "./reconcile";
export * from "./report";
export * from "./rotate-account";
export { decodeUserName, encodeUserName, requestTokenFor, SECRET_TAGS, secretNameFor } from "./secret-name";
export { buildSecretPolicy, MAX_POLICY_CHARS, taggedReaders } from "./secret-policy";
export type { AccountRun, RotationSettings } from "./settings";
export { hasFailed, summarize } from "./summary";
