import { vi } from "vitest";

/**
 * Points the SDK of the code under test at moto (or a proxy in front of it) with moto's fake
 * credentials in us-east-1; `vi.unstubAllEnvs()` in `afterAll` undoes it.
 */
export function stubMotoEnv(endpoint: string): void {
  vi.stubEnv("AWS_ENDPOINT_URL", endpoint);
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
}
