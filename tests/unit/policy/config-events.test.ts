import { describe, expect, it } from "vitest";
import configTrigger from "../../../infra/config-trigger.cjs";
import { decision, MANAGEMENT, MEMBER, ORG } from "./simulate";
import { evaluate, identityOf, memberStack, resolverOf } from "./templates";

// configTrigger: the member accounts forward AWS Config's compliance changes to keyrotor's default
// event bus; its policy (infra/config-trigger.cjs) takes them from the organization only.

const ROTATOR = `arn:aws:iam::${MANAGEMENT}:role/keyrotor-prod-us-east-1-rotator`;
const REPORTER = `arn:aws:iam::${MANAGEMENT}:role/keyrotor-prod-us-east-1-reporter`;
const BUS = `arn:aws:events:us-east-1:${MANAGEMENT}:event-bus/default`;

const { Resources } = await configTrigger(
  resolverOf({ configTrigger: "true", organizationId: ORG, deploymentTargets: "r-ab12" }),
);
const busPolicy = (() => {
  const statement = evaluate(
    (Resources.OrganizationEventsBusPolicy as { Properties: { Statement: unknown } }).Properties.Statement,
    { accountId: MANAGEMENT },
  );
  return { Version: "2012-10-17", Statement: [statement] };
})();

const forwarding = (accountId: string, forward: string) =>
  memberStack({
    accountId,
    parameters: {
      RotatorRoleArn: ROTATOR,
      ReporterRoleArn: REPORTER,
      OrganizationId: ORG,
      ForwardConfigEvents: forward,
    },
  });

describe("forwarding Config's compliance changes to keyrotor's account", () => {
  const member = forwarding(MEMBER, "true");
  const role = `arn:aws:iam::${MEMBER}:role/ConfigEventsForwardingRole-GENERATED`;
  const put = (principal: string, orgId: string | null) =>
    decision(principal, "events:PutEvents", BUS, {
      identity: identityOf(member.ConfigEventsForwardingRole),
      resourcePolicy: busPolicy,
      orgId,
    });

  it("lets a member account's forwarding role put events on keyrotor's default bus", async () => {
    expect(member.ConfigEventsForwardingRule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: BUS, RoleArn: role }),
    ]);
    expect(await put(role, ORG)).toBe("Allowed");
  });

  it("refuses the same role from outside the organization", async () => {
    expect(await put("arn:aws:iam::999988887777:role/forwarder", null)).not.toBe("Allowed");
    expect(await put("arn:aws:iam::999988887777:role/forwarder", "o-zzz9999999")).not.toBe("Allowed");
  });

  it("adds the rule and its role only when asked, and never in keyrotor's own account", () => {
    expect(Object.keys(forwarding(MEMBER, "false"))).toEqual(["MemberRole"]);
    expect(Object.keys(forwarding(MANAGEMENT, "true"))).toEqual(["MemberRole"]);
    expect(Object.keys(member).sort()).toEqual([
      "ConfigEventsForwardingRole",
      "ConfigEventsForwardingRule",
      "MemberRole",
    ]);
  });
});
