import { describe, expect, it } from "vitest";
import queuePolicies from "../../../infra/queue-policies.cjs";
import { administratorAccess, decision, MANAGEMENT, type NamedPolicy, ORG } from "./simulate";
import { evaluate, identityOf, managementAttributes, resolverOf, serverlessResources } from "./templates";

// Who may put messages on keyrotor's queues (infra/queue-policies.cjs), with the execution roles as
// serverless.yml declares them, evaluated with an IAM policy simulator in keyrotor's account.

const params = { senderEmail: "keyrotor@example.com", organizationId: ORG, deploymentTargets: "r-ab12" };
const management = serverlessResources(params);
const attributes = managementAttributes(management, MANAGEMENT);
const arn = (name: string) => attributes[`${name}.Arn`] as string;
const roleIdentity = (name: string) =>
  identityOf(evaluate(management[name], { accountId: MANAGEMENT, attributes }));

async function policiesWith(redrive = "") {
  const { Resources } = await queuePolicies(resolverOf({ ...params, queueRedrivePrincipals: redrive }));
  const documentOf = (name: string) =>
    evaluate((Resources[name] as { Properties: { PolicyDocument: unknown } }).Properties.PolicyDocument, {
      accountId: MANAGEMENT,
      attributes,
    });
  return { jobs: documentOf("RotationJobsQueuePolicy"), notices: documentOf("NoticesQueuePolicy") };
}

const ADMIN = `arn:aws:iam::${MANAGEMENT}:role/Admin`;
const send = (principal: string, identity: NamedPolicy[], queue: string, resourcePolicy: unknown) =>
  decision(principal, "sqs:SendMessage", arn(queue), { identity, resourcePolicy });

describe("the rotation-jobs queue", async () => {
  const { jobs } = await policiesWith();

  it("takes jobs from the scheduler's role", async () => {
    expect(await send(arn("SchedulerRole"), roleIdentity("SchedulerRole"), "RotationJobsQueue", jobs)).toBe(
      "Allowed",
    );
  });

  it("refuses every other sender of the account, an administrator with AdministratorAccess included", async () => {
    expect(await send(ADMIN, [administratorAccess], "RotationJobsQueue", jobs)).toBe("ExplicitlyDenied");
    expect(await send(arn("RotatorRole"), [administratorAccess], "RotationJobsQueue", jobs)).toBe(
      "ExplicitlyDenied",
    );
  });

  it("leaves administrators every other right on the queue", async () => {
    for (const action of [
      "sqs:SetQueueAttributes",
      "sqs:PurgeQueue",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
    ]) {
      const verdict = await decision(ADMIN, action, arn("RotationJobsQueue"), {
        identity: [administratorAccess],
        resourcePolicy: jobs,
      });
      expect(verdict, action).toBe("Allowed");
    }
  });
});

describe("the notices queue", async () => {
  const { notices } = await policiesWith();

  it("takes notices from the rotator's role only", async () => {
    expect(await send(arn("RotatorRole"), roleIdentity("RotatorRole"), "NoticesQueue", notices)).toBe(
      "Allowed",
    );
    expect(await send(arn("SchedulerRole"), [administratorAccess], "NoticesQueue", notices)).toBe(
      "ExplicitlyDenied",
    );
    expect(await send(ADMIN, [administratorAccess], "NoticesQueue", notices)).toBe("ExplicitlyDenied");
  });
});

describe("queueRedrivePrincipals", () => {
  it("lets the configured principals send too (a dead-letter redrive sends as whoever starts it)", async () => {
    const { jobs, notices } = await policiesWith(`arn:aws:iam::${MANAGEMENT}:role/Operator*`);
    const operator = `arn:aws:iam::${MANAGEMENT}:role/OperatorAdmin`;
    expect(await send(operator, [administratorAccess], "RotationJobsQueue", jobs)).toBe("Allowed");
    expect(await send(operator, [administratorAccess], "NoticesQueue", notices)).toBe("Allowed");
    expect(await send(ADMIN, [administratorAccess], "NoticesQueue", notices)).toBe("ExplicitlyDenied");
  });
});
