import { expect, type Mock, vi } from "vitest";
import { type Destination, destinationSchema } from "../../shared/destinations/schema";
import {
  DEFAULT_HTTP_DEPS,
  DeliveryError,
  type DeliveryFailure,
  type HttpDeps,
  type KeyToDeliver,
} from "../../shared/destinations/types";
import { Redacted } from "../../shared/redacted";

/** The sample key's secret: no error, log or request other than a write may show it. */
export const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/** The sample key the destination tests deliver. */
export const KEY: KeyToDeliver = {
  accountId: "111122223333",
  userName: "ci-deployer",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: new Redacted(SECRET),
};

/** The sample user's next key, as a later rotation delivers it. */
export function nextKey(accessKeyId: string, secret: string): KeyToDeliver {
  return { ...KEY, accessKeyId, secretAccessKey: new Redacted(secret) };
}

/** A destination as the configuration's schema yields it (defaults filled in), of the given type. */
export function parseDestination<T extends Destination["type"]>(
  type: T,
  fields: Record<string, unknown>,
): Extract<Destination, { type: T }> {
  const parsed = destinationSchema.parse({ type, ...fields });
  if (parsed.type !== type) throw new Error(`not a ${type} destination`);
  return parsed as Extract<Destination, { type: T }>;
}

/** Real fetch with a shorter timeout; waits are recorded in `waits` (and on the `sleep` mock), not slept. */
export type FakeHttpDeps = HttpDeps & { readonly sleep: Mock<HttpDeps["sleep"]>; readonly waits: number[] };

export function fakeHttpDeps(): FakeHttpDeps {
  const waits: number[] = [];
  return {
    ...DEFAULT_HTTP_DEPS,
    timeoutMs: 5_000,
    sleep: vi.fn(async (ms: number) => void waits.push(ms)),
    waits,
  };
}

/** The `DeliveryError` a delivery rejects with; throws if it resolves or rejects with anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}

/** Everything an error shows a person or a log: message, fix, String(), JSON, stack and cause. */
export function shownBy(error: DeliveryError): string {
  const cause = String(error.cause ?? "");
  return [error.message, error.fix, String(error), JSON.stringify(error), error.stack, cause].join("\n");
}

/**
 * Asserts that `error` failed as `failure` and that nothing it shows holds the sample key's secret
 * or any of `tokens` (the one configured, the wrong one sent).
 */
export function expectFailure(
  error: DeliveryError,
  failure: DeliveryFailure,
  tokens: readonly string[],
): void {
  expect(error.failure).toBe(failure);
  expectNothingShown(error, tokens);
}

/** Asserts that nothing `error` shows holds the sample key's secret or any of `tokens`. */
export function expectNothingShown(error: DeliveryError, tokens: readonly string[] = []): void {
  const shown = shownBy(error);
  for (const hidden of [...tokens, SECRET]) expect(shown).not.toContain(hidden);
}
