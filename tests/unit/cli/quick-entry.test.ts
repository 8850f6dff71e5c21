import { describe, expect, it } from "vitest";
import { quickArguments } from "../../../cli/aws/quick-entry";

// The quick entry reads only the plain credential-process lines; anything else (help, a usage
// error, a form it does not know) is the full command's, which words it as it always has.

describe("quickArguments: the command lines the quick entry takes for itself", () => {
  it("takes --secret-id with --profile and --region, separate or with =, in any order", () => {
    // Act
    const plain = quickArguments(["credential-process", "--secret-id", "keyrotor/app"]);
    const all = quickArguments([
      "credential-process",
      "--region=eu-west-1",
      "--secret-id",
      "keyrotor/app",
      "--profile",
      "reader",
    ]);

    // Assess
    expect(plain).toEqual({ secretId: "keyrotor/app" });
    expect(all).toEqual({ secretId: "keyrotor/app", profile: "reader", region: "eu-west-1" });
  });

  it.each([
    [["plan"]],
    [["credential-process"]],
    [["credential-process", "--secret-id", "s", "--help"]],
    [["credential-process", "-h", "--secret-id", "s"]],
    [["credential-process", "--secret-id", "s", "--version"]],
    [["credential-process", "--secret-id", "s", "--secret-id", "t"]],
    [["credential-process", "--secret-id", "--region", "eu-west-1"]],
    [["credential-process", "--secret-id="]],
    [["credential-process", "--secret-id", "s", "--config", "c.yaml"]],
    [["credential-process", "--secret-id", "s", "extra"]],
    [["credential-process", "--secret-id", "s", "--"]],
    [["--help", "credential-process", "--secret-id", "s"]],
  ])("leaves %j to the full command", (argv) => {
    // Act / Assess
    expect(quickArguments(argv)).toBeNull();
  });
});
