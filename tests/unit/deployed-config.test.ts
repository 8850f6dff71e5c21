import { describe, expect, it, vi } from "vitest";
import { canonicalJson, settingsDigest } from "../../shared/config-digest";
import { functionConfig, startWithConfig } from "../../shared/deployed-config";

// How a function gets its configuration: the settings bundled at package time (as their canonical
// JSON), with the variables the stack sets itself; unbundled (under test), the variables alone.

const STACK = {
  KEYROTOR_LEDGER_TABLE: "keyrotor-prod-ledger",
  KEYROTOR_DELIVERY_KMS_KEY_ID: "alias/keyrotor",
};
const settings = {
  senderEmail: "keyrotor@example.com",
  mode: "enforce",
  rotateAfterDays: 30,
  deactivateAfterDays: 35,
  deleteAfterDays: 40,
};

describe("a function's configuration", () => {
  it("is the bundled settings with the stack's variables, its digest the one keyrotor config validate prints", () => {
    // Act
    const { config, digest } = functionConfig(STACK, canonicalJson(settings));

    // Assess
    expect(config).toMatchObject({
      ...settings,
      ledgerTable: "keyrotor-prod-ledger",
      deliveryKmsKeyId: "alias/keyrotor",
    });
    expect(digest).toBe(settingsDigest(settings));
  });

  it("refuses a variable that sets what the bundle holds, naming it: the bundle is the one validated", () => {
    expect(() => functionConfig({ ...STACK, KEYROTOR_MODE: "audit" }, canonicalJson(settings))).toThrow(
      "set both in the bundled configuration and as environment variables: KEYROTOR_MODE",
    );
  });

  it("refuses bundled settings the schema refuses, as the package step did", () => {
    const inverted = { ...settings, deleteAfterDays: 20 };
    expect(() => functionConfig(STACK, canonicalJson(inverted))).toThrow(/thresholds must satisfy/);
    expect(() => functionConfig(STACK, "{not json")).toThrow("the bundled configuration is not JSON");
  });

  it("unbundled, reads every setting from KEYROTOR_* variables and has no digest", () => {
    const { config, digest } = functionConfig(
      { ...STACK, KEYROTOR_SENDER_EMAIL: "k@example.com" },
      undefined,
    );
    expect(config.senderEmail).toBe("k@example.com");
    expect(digest).toBeNull();
  });

  it("is logged at start with its digest and its number of bindings, never a setting's value", () => {
    // Prepare: this code runs unbundled, so the variables stand in
    const info = vi.fn();

    // Act
    startWithConfig({ ...STACK, KEYROTOR_SENDER_EMAIL: "k@example.com" }, { info });

    // Assess
    expect(info).toHaveBeenCalledWith("configuration", {
      configDigest: "none (settings from KEYROTOR_* variables)",
      deliveryBindings: 0,
    });
  });
});
