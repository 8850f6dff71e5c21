import { GetTemplateCommand } from "@aws-sdk/client-cloudformation";
import { describe, expect, it } from "vitest";
import changes from "../../../infra/config-changes.cjs";
import deployedConfig from "../../../infra/deployed-config.cjs";
import { canonicalJson } from "../../../shared/config-digest";

// What a deploy says it changes: the template records the deployed settings; the next package reads
// them back from the deployed stack and names removals and widenings first.

const tools = deployedConfig.loadTools(process.cwd());
const github = { type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" };
const deployed = {
  senderEmail: "keyrotor@example.com",
  deliveries: [{ account: "111122223333", user: "ci", destinations: [github] }],
};

describe("the configuration a template records", () => {
  it("reads back as the settings it recorded, and as nothing from a template of before", () => {
    // Prepare
    const metadata = changes.configurationMetadata({ digest: "sha256:x", text: canonicalJson(deployed) });

    // Act / Assess
    expect(changes.recordedSettings(JSON.stringify({ Metadata: metadata }))).toEqual(deployed);
    expect(changes.recordedSettings({ Resources: {} })).toBeUndefined();
  });
});

describe("the package output's change report", () => {
  it("names a removed destination and a widened reader first, under a heading that says so", () => {
    // Prepare
    const next = {
      senderEmail: "keyrotor@example.com",
      mode: "enforce",
      readerPrincipals: ["arn:aws:iam::111122223333:role/audit"],
    };

    // Act
    const lines = changes.changeReport(tools, deployed, next);

    // Assess
    expect(lines).toEqual([
      "keyrotor: this configuration REMOVES 1 destination(s) and WIDENS readers in 1 place(s) compared with the deployed one:",
      "  + readers of every secret (readerPrincipals): arn:aws:iam::111122223333:role/audit (WIDENED)",
      "  - account 111122223333, user ci: GitHub Actions secrets of repository acme/app (REMOVED: that pipeline gets no new key)",
      expect.stringMatching(/^ {2}~ mode: "audit" -> "enforce"$/),
      expect.stringMatching(/^ {2}~ readerPrincipals: /),
    ]);
  });

  it("says the configuration is the one deployed when nothing changed", () => {
    expect(changes.changeReport(tools, deployed, deployed)).toEqual([
      "keyrotor: the configuration is the one deployed",
    ]);
  });
});

describe("the deployed stack's settings", () => {
  const client = (answer: () => Promise<unknown>) => ({
    send: async (command: unknown) => {
      expect(command).toBeInstanceOf(GetTemplateCommand);
      return answer();
    },
  });

  it("are read from the stack's original template", async () => {
    const metadata = changes.configurationMetadata({ digest: "sha256:x", text: canonicalJson(deployed) });
    const read = await changes.deployedSettings(
      client(async () => ({ TemplateBody: JSON.stringify({ Metadata: metadata }) })),
      "keyrotor-prod",
    );
    expect(read).toEqual({ settings: deployed });
  });

  it("give the reason when there is no stack, or it records no configuration", async () => {
    const missing = await changes.deployedSettings(
      client(async () => {
        throw new Error("Stack with id keyrotor-prod does not exist");
      }),
      "keyrotor-prod",
    );
    expect(missing).toEqual({ reason: "keyrotor-prod not read: Stack with id keyrotor-prod does not exist" });
    const older = await changes.deployedSettings(
      client(async () => ({ TemplateBody: "{}" })),
      "keyrotor-prod",
    );
    expect(older).toEqual({ reason: "stack keyrotor-prod records no keyrotor configuration" });
  });
});
