import { describe, expect, it } from "vitest";
import { emailFileNames, emailKind, safeNamePart } from "../../../scripts/lib/demo-emails";

describe("the demo's email file names", () => {
  it("names day, account, recipient and kind, so an owner's email never overwrites the account's", () => {
    // Prepare
    const name = emailFileNames();
    // Act
    const account = name({
      day: 90,
      account: "Payments",
      recipient: "payments-owner@example.com",
      kind: "account-owner",
    });
    const user = name({
      day: 90,
      account: "Payments",
      recipient: "deploy-team@example.com",
      kind: "user-owner",
    });
    // Assess
    expect(account).toBe("day-090-payments-payments-owner-at-example.com-account-owner.html");
    expect(user).toBe("day-090-payments-deploy-team-at-example.com-user-owner.html");
  });

  it("keeps two addresses that meet in one safe form in two files", () => {
    // Prepare
    const name = emailFileNames();
    const facts = { day: 83, account: "Analytics", kind: "user-owner" } as const;
    // Act
    const first = name({ ...facts, recipient: "a+b@example.com" });
    const second = name({ ...facts, recipient: "a-b@example.com" });
    // Assess
    expect(first).toBe("day-083-analytics-a-b-at-example.com-user-owner.html");
    expect(second).toBe("day-083-analytics-a-b-at-example.com-user-owner-2.html");
  });

  it("never lets an address (an owner tag anyone with IAM access writes) steer the path", () => {
    // Act
    const parts = ["../../etc/passwd@x", "/abs@x", ".hidden@x", "", "É\u0000x@y"].map(safeNamePart);
    // Assess
    for (const part of parts) {
      expect(part).toMatch(/^[a-z0-9_][a-z0-9._-]*$/);
      expect(part).not.toContain("/");
      expect(part.length).toBeLessThanOrEqual(60);
    }
    expect(safeNamePart("x".repeat(300))).toHaveLength(60);
  });

  it("tells the account owner's email, the operators' and a user owner's apart", () => {
    // Assess
    expect(emailKind(["Payments-Owner@example.com"], "payments-owner@example.com", "sec@example.com")).toBe(
      "account-owner",
    );
    expect(emailKind(["sec@example.com"], "payments-owner@example.com", "sec@example.com")).toBe("operators");
    expect(emailKind(["team@example.com"], "payments-owner@example.com", "sec@example.com")).toBe(
      "user-owner",
    );
  });
});
