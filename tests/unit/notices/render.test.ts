import { describe, expect, it } from "vitest";
import type { Notice } from "../../../shared/messages";
import { renderNotice, retrievalCommand } from "../../../shared/notices/render";
import { JOB } from "./fixtures";

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

const secretArn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:keyrotor/alice-AbCdEf";

describe("renderNotice", () => {
  const rendered = renderNotice(
    notice([
      {
        userName: "alice",
        events: [{ kind: "created", keyId: "AKIANEW", secretName: "keyrotor/alice", secretArn }],
        upcoming: [
          { keyId: "AKIAOLD", action: "deactivate", on: "2026-06-11T06:00:00.000Z" },
          { keyId: "AKIANEW", action: "rotate", on: "2026-08-30T06:00:00.000Z" },
        ],
      },
      {
        userName: "bob<script>",
        events: [{ kind: "blocked", detail: "two keys & none deletable" }],
        upcoming: [],
      },
      {
        userName: "carol",
        events: [{ kind: "warning", keyId: "AKIAC", on: "2026-06-08T06:00:00.000Z" }],
        upcoming: [],
      },
    ]),
  );

  it("names the account and counts what happened in the subject", () => {
    expect(rendered.subject).toBe(
      "[keyrotor] Prod <main> (111122223333): 1 new key, 1 need attention, 1 due in a week",
    );
  });

  it("gives each new key's secret and the command that reads it, in text and HTML", () => {
    const command = retrievalCommand(secretArn);
    expect(command).toBe(
      `aws secretsmanager get-secret-value --secret-id '${secretArn}' --query SecretString --output text`,
    );
    expect(rendered.text).toContain("== New keys ==");
    expect(rendered.text).toContain("- alice: new key AKIANEW in secret keyrotor/alice");
    expect(rendered.text).toContain(command);
    expect(rendered.html).toContain(`<code>${command.replaceAll("'", "&#39;")}</code>`);
  });

  it("lists what needs attention, the week's warnings and what comes next with dates", () => {
    expect(rendered.text).toContain("== Needs attention ==\n- bob<script>: two keys & none deletable");
    expect(rendered.text).toContain("- carol: key AKIAC will be rotated on 2026-06-08");
    expect(rendered.text).toContain(
      "== Coming up ==\n- 2026-06-11  alice  AKIAOLD  deactivate\n- 2026-08-30  alice  AKIANEW  rotate",
    );
  });

  it("escapes everything it puts into HTML", () => {
    expect(rendered.html).not.toContain("<script>");
    expect(rendered.html).toContain("bob&lt;script&gt;");
    expect(rendered.html).toContain("Prod &lt;main&gt;");
  });

  it("says plainly when nothing was changed (audit mode) and when users were left out", () => {
    const audit = renderNotice(
      notice(
        [
          {
            userName: "a",
            events: [{ kind: "would-create", keyId: "(new key)", detail: "replaces K" }],
            upcoming: [],
          },
        ],
        "audit",
        3,
      ),
    );
    expect(audit.text).toContain("It runs in audit mode: nothing was changed.");
    expect(audit.text).toContain("- a: would create key (new key) (replaces K)");
    expect(audit.text).toContain("3 more user(s) had news");
    expect(audit.subject).toMatch(/1 planned$/);
  });
});
