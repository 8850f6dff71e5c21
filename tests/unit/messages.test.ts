import { describe, expect, it } from "vitest";
import { MessageFormatError, noticeSchema, parseMessage, rotationJobSchema } from "../../shared/messages";

const job = {
  version: 1,
  runId: "r1",
  asOf: "2026-06-01T06:00:00Z",
  account: { id: "111122223333", name: "Prod", email: "o@example.com" },
};

describe("parseMessage", () => {
  it("accepts a well-formed job", () => {
    expect(parseMessage(rotationJobSchema, "rotation-jobs", JSON.stringify(job))).toEqual(job);
  });

  it.each([
    ["not json", /rotation-jobs message is not JSON/],
    [JSON.stringify({ ...job, version: 2 }), /version: /],
    [JSON.stringify({ ...job, asOf: "yesterday" }), /asOf: /],
    [
      JSON.stringify({ ...job, account: { ...job.account, id: "42" } }),
      /account.id: must be a 12-digit account id/,
    ],
    [JSON.stringify({ ...job, extra: true }), /malformed/],
  ])("rejects %s with a MessageFormatError naming the problem", (body, message) => {
    expect(() => parseMessage(rotationJobSchema, "rotation-jobs", body)).toThrow(MessageFormatError);
    expect(() => parseMessage(rotationJobSchema, "rotation-jobs", body)).toThrow(message);
  });

  it("words the schema's own checks in English, naming what was expected", () => {
    // Prepare
    const body = JSON.stringify({ ...job, version: 2, runId: "" });

    // Act
    const act = () => parseMessage(rotationJobSchema, "rotation-jobs", body);

    // Assess
    expect(act).toThrow(
      "rotation-jobs message is malformed: version: Invalid input: expected 1; runId: Too small: expected string to have >=1 characters",
    );
  });

  it("rejects a notice with a user that has nothing to say", () => {
    const notice = {
      version: 1,
      runId: "r",
      mode: "enforce",
      asOf: job.asOf,
      account: job.account,
      omittedUsers: 0,
    };
    const body = JSON.stringify({ ...notice, users: [{ userName: "a", events: [], upcoming: [] }] });
    expect(() => parseMessage(noticeSchema, "notices", body)).toThrow(/users.0.events/);
  });
});
