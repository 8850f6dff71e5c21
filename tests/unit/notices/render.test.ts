import { describe, expect, it } from "vitest";
import type { Notice } from "../../../shared/messages";
import { renderNotice, retrievalCommand } from "../../../shared/notices/render";
import { SAMPLE_NOTICES } from "../../../shared/notices/samples";
import { JOB } from "./fixtures";

const sample = (name: string) => renderNotice(SAMPLE_NOTICES[name] as Notice);
const notice = (users: Notice["users"], mode: Notice["mode"] = "enforce", omittedUsers = 0): Notice => ({
  version: 1,
  runId: JOB.runId,
  mode,
  asOf: JOB.asOf,
  account: JOB.account,
  users,
  omittedUsers,
  part: 1,
});

describe("renderNotice: written for the reader", () => {
  it("says in the subject and first line what happened, with the grammar of 1 and n", () => {
    expect(sample("rotated").subject).toBe("[keyrotor] Payments (111122223333): 2 keys rotated");
    expect(sample("deleted").subject).toBe("[keyrotor] Payments (111122223333): 1 old key deleted");
    expect(sample("needs-action").text.split("\n")[0]).toBe(
      "5 need your action in AWS account Payments (111122223333) on 2027-03-31.",
    );
    const one = renderNotice(
      notice([{ userName: "a", events: [{ kind: "held", detail: "used" }], upcoming: [] }]),
    );
    expect(one.subject).toMatch(/: 1 needs your action$/);
  });

  it("a warning alone never opens with a rotation that happened", () => {
    const { subject, text } = sample("warning");
    expect(subject).toMatch(/1 key rotates soon, 1 unused key deactivated soon$/);
    expect(text).not.toMatch(/rotated in|keys rotated/);
  });

  it("tells who may read a new key and gives the command to the user or a reader, not the owner", () => {
    const { text } = sample("rotated");
    expect(text).toContain(
      "Who can read it: the IAM user deploy-bot, arn:aws:iam::111122223333:role/deployer.",
    );
    expect(text).toContain("Next: deploy-bot or a reader fetches it with the command below");
    expect(text).toContain(retrievalCommand(SAMPLE_NOTICES.rotated?.users[0]?.events[0]?.secretArn ?? ""));
    expect(text).not.toMatch(/you can fetch|run this command/i);
  });

  it("names the replacement a deactivated key really has: the stored key, or the user's own other key", () => {
    const { text } = sample("deactivated");
    expect(text).toContain("switch it to the new key in deploy-bot's keyrotor secret");
    expect(text).toContain(
      "legacy-ci's other key (AKIALEGACYCI00000002, made outside keyrotor) stays active",
    );
  });

  it("says what blocks a warned rotation and how to unblock it; what needs action says what to do", () => {
    const { text } = sample("needs-action");
    expect(text).toContain("but the rotation will be blocked: the user already has two keys");
    expect(text).toContain("Before 2027-04-07, delete the key nobody uses");
    expect(text).toContain(
      "Delete or rename that secret, or ask your platform team to let keyrotor adopt it",
    );
    expect(text).toContain("The account password policy could not be updated");
  });

  it("says the credential report could not be read and that every user was looked at through IAM instead", () => {
    // Prepare
    const detail = "1 row (line 3: user etl: the ARN does not end with /etl)";
    const listed: Notice = { ...notice([]), credentialReport: { rows: 1, detail } };
    // Act
    const { subject, text, html } = renderNotice(listed);
    // Assess
    expect(subject).toMatch(/: 1 needs your action$/);
    expect(text).toContain(
      `- keyrotor could not read this account's credential report for certain: ${detail}. ` +
        "It looked at every user through IAM instead, so no user was skipped.",
    );
    expect(text).toContain("Next: Tell your platform team");
    expect(html).toContain("the ARN does not end with /etl");
  });

  it("shows the mode once and plainly: enforce never says would, audit says nothing was changed", () => {
    for (const name of ["rotated", "deactivated", "deleted", "warning", "needs-action", "delivery"]) {
      expect(sample(name).text).not.toMatch(/\bwould\b|audit/);
    }
    const audit = sample("audit").text;
    expect(audit.match(/audit mode/g)).toHaveLength(1);
    expect(audit).toContain("it changed nothing");
    expect(audit).toContain("- deploy-bot: would create a new key (replaces AKIAOLDDEPLOYBOT0001).");
  });

  it("tells key delivery: where a new key went, what fails and keeps the old key, old keys still in use", () => {
    // Act
    const rotated = sample("rotated");
    const { subject, text, html } = sample("delivery");
    // Assess
    expect(rotated.text).toContain(
      "  keyrotor delivered it to:\n    * GitHub Actions secrets of repository acme/deploy\n    * SSM parameters",
    );
    expect(subject).toBe(
      "[keyrotor] Payments (111122223333): 1 key delivered, 2 old keys still in use, 1 needs your action, 1 delivery waiting on keyrotor's operators",
    );
    expect(text).toMatch(
      /== Waiting on keyrotor's operators ==\n- release-bot: GitLab CI\/CD variables of project acme\/release has not received new key AKIANEWRELEASEBOT001 yet: .* Until it arrives, the old key AKIAOLDRELEASEBOT001 stays Active/,
    );
    expect(renderNotice(SAMPLE_NOTICES.delivery as Notice, "operator").text).toMatch(
      /== Needs keyrotor's operators ==\n- release-bot: delivering new key AKIANEWRELEASEBOT001 to GitLab CI\/CD variables of project acme\/release failed: .* \(failing since 2027-03-28, 4 attempts\)\. Until it succeeds, the old key AKIAOLDRELEASEBOT001 stays Active/,
    );
    expect(text).toContain(
      "legacy-app: key AKIALEGACYAPP0000001 was deactivated by keyrotor and made Active again",
    );
    expect(text).toContain(
      "== Old keys still in use ==\n- nightly-export: old key AKIAOLDNIGHTLY000001 is still in use",
    );
    expect(text).toContain(
      "reporting: old key AKIAOLDREPORTING0001 was still used on 2027-03-30 (service athena",
    );
    expect(html).toContain("<li>Terraform Cloud variables of workspace acme/prod-network</li>");
  });

  it("is an HTML document mail clients render: doctype, charset, viewport, inline styles, a table", () => {
    const { html } = sample("rotated");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('name="viewport"');
    expect(html).toMatch(/<table role="presentation" style="width:100%/);
    expect(html).not.toMatch(/<style|class=/);
  });

  it("escapes everything it puts into HTML, and counts users left out", () => {
    const rendered = renderNotice(
      notice(
        [{ userName: "bob<script>", events: [{ kind: "blocked", detail: "a & b" }], upcoming: [] }],
        "enforce",
        3,
      ),
    );
    expect(rendered.html).not.toContain("<script>");
    expect(rendered.html).toContain("bob&lt;script&gt;");
    expect(rendered.html).toContain("Prod &lt;main&gt;");
    expect(rendered.text).toContain("3 more users had news");
  });
});

describe("renderNotice: an exposed key", () => {
  it("leads with it, says what keyrotor did and what is left for a person", () => {
    // Act
    const { subject, text, html } = sample("incident");

    // Assess
    expect(subject).toMatch(/: 1 exposed key answered: read now, 1 key rotated$/);
    expect(text.split("\n").find((l) => l.startsWith("=="))).toBe("== Exposed keys ==");
    expect(text).toContain(
      "deploy-bot: key AKIAEXPOSEDDEPLOY001 was exposed (reported by AWS Health on 2027-03-31). keyrotor replaced it with AKIANEWDEPLOYBOT0002, stored in deploy-bot's keyrotor secret; deactivated AKIAEXPOSEDDEPLOY001. Handled.",
    );
    expect(text).toContain(
      "--lookup-attributes AttributeKey=AccessKeyId,AttributeValue=AKIAEXPOSEDDEPLOY001",
    );
    expect(text).toContain("keyrotor never detaches it");
    expect(html).toContain("AWSCompromisedKeyQuarantineV3");
  });

  it("names the destinations that did not get the new key, and why a person is needed now", () => {
    const { text } = renderNotice(
      notice([
        {
          userName: "ci",
          events: [
            {
              kind: "incident",
              keyId: "AKIAEXPOSED000000001",
              incident: "open",
              trigger: "cli",
              response: "revoke",
              since: JOB.asOf,
              replacement: "AKIANEW0000000000001",
              revokedAt: JOB.asOf,
              destinations: ["GitHub Actions secrets of repository acme/app"],
              detail:
                "the new key did not reach GitHub Actions secrets of repository acme/app: deliver it there by hand now",
            },
          ],
          upcoming: [],
        },
      ]),
    );
    expect(text).toContain("Not finished.");
    expect(text).toContain("The new key did NOT reach:");
    expect(text).toContain("* GitHub Actions secrets of repository acme/app");
    expect(text).toContain("Why: the new key did not reach");
  });
});
