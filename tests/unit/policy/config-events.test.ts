import { describe, expect, it } from "vitest";
import configTrigger from "../../../infra/config-trigger.cjs";
import { allowAll, decision, MANAGEMENT, MEMBER, ORG } from "./simulate";
import { evaluate, identityOf, memberStack, resolverOf } from "./templates";

// configTrigger: the member accounts forward AWS Config's compliance changes to keyrotor's default
// event bus; its policy (infra/config-trigger.cjs) takes them from the member stacks' forwarding roles
// only, and only the kind of event keyrotor consumes.

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
      // Health's forwarder: tests/unit/policy/exposed-key-events.test.ts.
      ForwardExposedKeys: "false",
    },
  });

/** What EventBridge puts in the request context for a PutEvents of entries of these kinds (none: no keys). */
const entries = (kinds: { source: string; detailType: string }[]): Record<string, string[]> =>
  kinds.length === 0
    ? {}
    : { "events:source": kinds.map((k) => k.source), "events:detail-type": kinds.map((k) => k.detailType) };
const CONFIG_CHANGE = { source: "aws.config", detailType: "Config Rules Compliance Change" };

describe("forwarding Config's compliance changes to keyrotor's account", () => {
  const member = forwarding(MEMBER, "true");
  const role = `arn:aws:iam::${MEMBER}:role/keyrotor-member-events`;
  const put = (
    principal: string,
    orgId: string | null,
    kinds = [CONFIG_CHANGE],
    identity = identityOf(member.ConfigEventsForwardingRole),
  ) =>
    decision(principal, "events:PutEvents", BUS, {
      identity,
      resourcePolicy: busPolicy,
      orgId,
      context: entries(kinds),
    });

  it("lets a member account's forwarding role put Config compliance changes on keyrotor's default bus", async () => {
    expect(member.ConfigEventsForwardingRule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: BUS, RoleArn: role }),
    ]);
    expect(await put(role, ORG)).toBe("Allowed");
    expect(await put(role, ORG, [CONFIG_CHANGE, CONFIG_CHANGE])).toBe("Allowed");
  });

  it("refuses every other principal of the organization, administrators included", async () => {
    const admin = [allowAll("events:PutEvents")];
    for (const principal of [
      `arn:aws:iam::${MEMBER}:role/Admin`,
      `arn:aws:iam::${MEMBER}:user/developer`,
      `arn:aws:iam::${MEMBER}:role/keyrotor-member`,
      `arn:aws:iam::${MEMBER}:role/keyrotor-member-events-2`,
      `arn:aws:iam::${MEMBER}:role/path/keyrotor-member-events`,
    ]) {
      expect(await put(principal, ORG, [CONFIG_CHANGE], admin), principal).not.toBe("Allowed");
    }
  });

  it("refuses the forwarding role any other kind of event, alone or among Config's", async () => {
    const other = [
      { source: "aws.config", detailType: "Config Configuration Item Change" },
      { source: "keyrotor", detailType: "Config Rules Compliance Change" },
      { source: "aws.health", detailType: "AWS Health Event" },
    ];
    for (const kind of other) {
      expect(await put(role, ORG, [kind]), JSON.stringify(kind)).not.toBe("Allowed");
      expect(await put(role, ORG, [CONFIG_CHANGE, kind]), JSON.stringify(kind)).not.toBe("Allowed");
    }
    expect(await put(role, ORG, [])).not.toBe("Allowed");
  });

  it("refuses the same role from outside the organization", async () => {
    const outsider = "arn:aws:iam::999988887777:role/keyrotor-member-events";
    expect(await put(outsider, null)).not.toBe("Allowed");
    expect(await put(outsider, "o-zzz9999999")).not.toBe("Allowed");
  });

  it("adds the rule and its role only when asked, and never in keyrotor's own account", () => {
    const roles = ["MemberReaderRole", "MemberRole"];
    expect(Object.keys(forwarding(MEMBER, "false")).sort()).toEqual(roles);
    expect(Object.keys(forwarding(MANAGEMENT, "true")).sort()).toEqual(roles);
    expect(Object.keys(member).sort()).toEqual([
      "ConfigEventsForwardingRole",
      "ConfigEventsForwardingRule",
      ...roles,
    ]);
    // Only the stack in keyrotor's region, where the rule's compliance changes are raised.
    const elsewhere = memberStack({
      accountId: MEMBER,
      region: "us-east-1",
      parameters: {
        RotatorRoleArn: ROTATOR,
        ReporterRoleArn: REPORTER,
        OrganizationId: ORG,
        ForwardConfigEvents: "true",
        ForwardExposedKeys: "false",
        KeyrotorRegion: "eu-west-1",
      },
    });
    expect(elsewhere).toEqual({});
  });
});
