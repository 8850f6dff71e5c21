import { describe, expect, it } from "vitest";
import { withinDeadline } from "../../../shared/aws/call-deadline";
import { AwsDeadlineError } from "../../../shared/aws/errors";

const CALL = { service: "STS", operation: "GetCallerIdentity" };
const never = () => new Promise<never>(() => {});

describe("withinDeadline", () => {
  it("ends a step that ignores its signal at the deadline, with the named error", async () => {
    // Act
    const error = await withinDeadline(CALL, 50, never).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsDeadlineError);
    expect(error).toMatchObject({
      service: "STS",
      operation: "GetCallerIdentity",
      code: "CallTimeout",
      deadlineMs: 50,
      retryable: true,
      message:
        "STS GetCallerIdentity failed (CallTimeout): no answer within the call's deadline of 0.05 s, all attempts together",
    });
  });

  it("aborts the signal it gives the step at the deadline", async () => {
    // Prepare
    let given: AbortSignal | undefined;

    // Act
    await withinDeadline(CALL, 20, (signal) => {
      given = signal;
      return never();
    }).catch(() => undefined);

    // Assess
    expect(given?.aborted).toBe(true);
  });

  it("leaves the caller's own abort as it is: not a deadline", async () => {
    // Prepare
    const caller = new AbortController();
    const reason = new Error("caller gave up");

    // Act
    const pending = withinDeadline(CALL, 60_000, never, caller.signal).catch((e: unknown) => e);
    caller.abort(reason);

    // Assess
    expect(await pending).toBe(reason);
  });

  it("returns the step's answer, and its failure as it is, before the deadline", async () => {
    // Act
    const answer = await withinDeadline(CALL, 60_000, async () => "ok");
    const failure = await withinDeadline(CALL, 60_000, async () => {
      throw new Error("refused");
    }).catch((e: unknown) => e);

    // Assess
    expect(answer).toBe("ok");
    expect(failure).toMatchObject({ message: "refused" });
    expect(failure).not.toBeInstanceOf(AwsDeadlineError);
  });
});
