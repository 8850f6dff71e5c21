import { describe, expect, it } from "vitest";
import { type Channel, channelsSchema } from "../../../shared/channels/config";
import { cardText, slackText } from "../../../shared/channels/escape";
import { MAX_LINES, messageOf, plainText } from "../../../shared/channels/message";
import { itemsFor } from "../../../shared/channels/routes";
import { slackPayload } from "../../../shared/channels/slack";
import { teamsPayload } from "../../../shared/channels/teams";
import { REPLAY_WINDOW_SECONDS, signature, verifySignature } from "../../../shared/channels/webhook";
import { parseConfig } from "../../../shared/config";
import type { Notice, NoticeUser } from "../../../shared/messages";
import { SAMPLE_NOTICES } from "../../../shared/notices/samples";

const channel = (over: Partial<Channel> = {}): Channel =>
  channelsSchema.parse([
    { name: "ops", type: "slack", secret: "keyrotor-tokens/channels/slack-ops", ...over },
  ])[0] as Channel;

const notice = (users: NoticeUser[], name = "Payments"): Notice => ({
  ...(SAMPLE_NOTICES.incident as Notice),
  account: { id: "111122223333", name, email: "owner@example.com" },
  users,
});
const failed = (userName: string): NoticeUser => ({
  userName,
  events: [{ kind: "failed", action: "create", detail: "AccessDenied" }],
  upcoming: [],
});
const rotated = (userName: string): NoticeUser => ({
  userName,
  events: [{ kind: "created", keyId: "AKIANEW0000000000001" }],
  upcoming: [],
});

describe("channels: configuration", () => {
  it("takes channels with a secret under keyrotor-tokens/channels/ and an immediate route for everyone by default", () => {
    // Act
    const config = parseConfig({
      senderEmail: "k@example.com",
      channels: [{ name: "ops", type: "teams", secret: "keyrotor-tokens/channels/teams-ops" }],
    });

    // Assess
    expect(config.channels[0]?.routes).toEqual([{ accounts: ["*"], users: ["*"], kind: "immediate" }]);
  });

  it("refuses a URL in the configuration, a secret elsewhere, a duplicate name and an unknown kind", () => {
    // Act
    const bad = (channels: unknown) => () => parseConfig({ senderEmail: "k@example.com", channels });

    // Assess
    expect(
      bad([
        {
          name: "ops",
          type: "slack",
          secret: "keyrotor-tokens/channels/a",
          url: "https://hooks.slack.com/x",
        },
      ]),
    ).toThrow(/url/);
    expect(bad([{ name: "ops", type: "slack", secret: "other/a" }])).toThrow(/keyrotor-tokens\/channels\//);
    expect(
      bad([
        { name: "ops", type: "slack", secret: "keyrotor-tokens/channels/a" },
        { name: "ops", type: "teams", secret: "keyrotor-tokens/channels/b" },
      ]),
    ).toThrow(/unique/);
    expect(
      bad([
        { name: "ops", type: "slack", secret: "keyrotor-tokens/channels/a", routes: [{ kind: "digest" }] },
      ]),
    ).toThrow(/kind/);
    expect(
      bad([
        { name: "ops", type: "slack", secret: "keyrotor-tokens/channels/a", reportUrl: "http://x.example" },
      ]),
    ).toThrow(/https/);
  });
});

describe("channels: routes", () => {
  it("takes only what needs a person, of the accounts and users its routes name", () => {
    // Prepare
    const ci = channel({ routes: [{ accounts: ["111122223333"], users: ["ci-*"], kind: "immediate" }] });
    const other = channel({ routes: [{ accounts: ["999999999999"], users: ["*"], kind: "immediate" }] });
    const n = notice([failed("ci-deploy"), failed("alice"), rotated("ci-build")]);

    // Act / Assess
    expect(itemsFor(ci, n).map((i) => i.userName)).toEqual(["ci-deploy"]);
    expect(itemsFor(other, n)).toEqual([]);
    expect(itemsFor(channel(), n).map((i) => i.userName)).toEqual(["ci-deploy", "alice"]);
  });
});

describe("channels: messages", () => {
  it("are short: at most ten users named, the rest counted, and say what to do", () => {
    // Prepare
    const users = Array.from({ length: 14 }, (_, i) => failed(`user-${i}`));
    const n = notice(users);

    // Act
    const message = messageOf(n, itemsFor(channel(), n), "https://reports.example.com/keyrotor");

    // Assess
    expect(message.lines).toHaveLength(MAX_LINES);
    expect(message.more).toBe(4);
    expect(plainText(message)).toContain("user-0: create failed. Read the error in the email");
    expect(plainText(message)).toContain("and 4 more");
  });

  it("Slack: an account name or user name cannot mention the channel or make a link", () => {
    // Prepare
    const n = notice([failed("bob")], "<!channel> <http://evil.example|click> & co");

    // Act
    const payload = JSON.stringify(slackPayload(messageOf(n, itemsFor(channel(), n))));

    // Assess
    expect(payload).not.toContain("<!channel>");
    expect(payload).not.toContain("<http");
    expect(payload).not.toContain("http://evil");
    expect(payload).toContain("&lt;!channel&gt; &lt;http:/\u200b/evil.example|click&gt; &amp; co");
    expect(slackText("a<b>c&d")).toBe("a&lt;b&gt;c&amp;d");
  });

  it("Slack: Block Kit within Slack's limits, the report as a button", () => {
    // Prepare
    const n = notice(Array.from({ length: 40 }, (_, i) => failed(`u${"x".repeat(120)}${i}`)));

    // Act
    const payload = slackPayload(messageOf(n, itemsFor(channel(), n), "https://reports.example.com/r"));

    // Assess
    const blocks = payload.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks.filter((b) => b.type === "section"))
      expect(b.text?.text.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(blocks.at(-1))).toContain("https://reports.example.com/r");
    expect(typeof payload.text).toBe("string");
  });

  it("Teams: an Adaptive Card in a message, markdown, functions and mentions of names escaped", () => {
    // Prepare
    const n = notice(
      [failed("bob")],
      "[click](https://evil.example) <at>all</at> {{DATE(2027-01-01T00:00:00Z)}}",
    );

    // Act
    const payload = teamsPayload(messageOf(n, itemsFor(channel(), n)));

    // Assess
    const [attachment] = payload.attachments as {
      contentType: string;
      content: { type: string; body: { text: string }[] };
    }[];
    expect(payload.type).toBe("message");
    expect(attachment?.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(attachment?.content.type).toBe("AdaptiveCard");
    const title = attachment?.content.body[0]?.text ?? "";
    expect(title).toContain("\\[click\\]\\(https:/\u200b/evil.example\\)");
    expect(title).toContain("\\<at\\>all\\</at\\>");
    expect(title).toContain("\\{\\{DATE");
    expect(cardText("a*b_c")).toBe("a\\*b\\_c");
  });
});

describe("channels: webhook signature", () => {
  const key = "k".repeat(40);
  const body = '{"version":1}';

  it("verifies what was signed within the replay window, and nothing else", () => {
    // Prepare
    const ts = "1800000000";
    const sig = signature(key, ts, body);

    // Act / Assess
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifySignature(key, { timestamp: ts, signature: sig }, body, 1800000000 + 10)).toBe("ok");
    expect(verifySignature(key, { timestamp: ts, signature: sig }, `${body} `, 1800000000)).toBe("mismatch");
    expect(verifySignature("x".repeat(40), { timestamp: ts, signature: sig }, body, 1800000000)).toBe(
      "mismatch",
    );
    expect(
      verifySignature(key, { timestamp: ts, signature: sig }, body, 1800000000 + REPLAY_WINDOW_SECONDS + 1),
    ).toBe("stale");
    expect(verifySignature(key, { timestamp: undefined, signature: sig }, body, 1800000000)).toBe("missing");
  });
});
