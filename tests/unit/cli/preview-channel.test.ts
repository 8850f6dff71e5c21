import { describe, expect, it } from "vitest";
import { runCaptured } from "../../../cli/io";
import { verifySignature } from "../../../shared/channels/webhook";
import { SAMPLE_NOTICES } from "../../../shared/notices/samples";

/** The preview's output split by notice kind: `== kind` then what the channel receives. */
function byKind(stdout: string): Map<string, string> {
  const parts = stdout.split(/^== /m).filter((p) => p.trim() !== "");
  return new Map(parts.map((p) => [p.split(/[:\n]/)[0] ?? "", p]));
}

describe("keyrotor preview --channel", () => {
  it("slack: prints a Block Kit body for each notice kind that needs a person, says which get nothing", async () => {
    // Act
    const { code, stdout } = await runCaptured(["preview", "--channel", "slack"], {});

    // Assess
    expect(code).toBe(0);
    const kinds = byKind(stdout);
    expect([...kinds.keys()]).toEqual(Object.keys(SAMPLE_NOTICES));
    expect(kinds.get("incident")).toContain('"blocks"');
    expect(kinds.get("incident")).toContain("deploy-bot");
    expect(kinds.get("rotated")).toContain("nothing posted");
  });

  it("teams: Adaptive Cards; webhook: signed bodies whose signature verifies", async () => {
    // Act
    const teams = await runCaptured(["preview", "--channel", "teams"], {});
    const webhook = await runCaptured(["preview", "--channel", "webhook"], {});

    // Assess
    expect(byKind(teams.stdout).get("incident")).toContain("application/vnd.microsoft.card.adaptive");
    const incident = byKind(webhook.stdout).get("incident") ?? "";
    const ts = /X-Keyrotor-Timestamp: (\d+)/.exec(incident)?.[1];
    const sig = /X-Keyrotor-Signature: (\S+)/.exec(incident)?.[1];
    const body = JSON.stringify(JSON.parse(incident.slice(incident.indexOf("{"))));
    expect(
      verifySignature(
        "preview-signing-key-not-a-real-one-0000",
        { timestamp: ts, signature: sig },
        body,
        Number(ts),
      ),
    ).toBe("ok");
  });

  it("refuses a channel type it does not know", async () => {
    // Act
    const { code } = await runCaptured(["preview", "--channel", "discord"], {});

    // Assess
    expect(code).not.toBe(0);
  });
});
