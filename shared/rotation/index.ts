export * from "./ports";
export * from "./reconcile";
export * from "./report";
export * from "./rotate-job";
export { decodeUserName, encodeUserName, requestTokenFor, SECRET_TAGS, secretNameFor } from "./secret-name";
export { buildSecretPolicy, MAX_POLICY_CHARS, parseReaders } from "./secret-policy";
