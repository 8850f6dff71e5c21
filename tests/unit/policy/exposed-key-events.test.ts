import { describe, expect, it } from "vitest";
import exposedKeyTrigger from "../../../infra/exposed-key-trigger.cjs";
import stackSetRegions from "../../../infra/stack-set-regions.cjs";
import { allowAll, decision, MANAGEMENT, MEMBER, ORG } from "./simulate";
import { evaluate, identityOf, memberStack, resolverOf } from "./templates";

// exposedKeyTrigger (on by default): AWS Health raises AWS_RISK_CREDENTIALS_EXPOSED in the account
// whose key was found in public, and delivers it (a global event) in us-east-1 only. Each member
// account's stack there forwards it to keyrotor's default bus, in keyrotor's region, through a role
// of its own; the bus (infra/exposed-key-trigger.cjs) takes Health events from those roles only.

const ROTATOR = `arn:aws:iam::${MANAGEMENT}:role/keyrotor-prod-eu-west-1-rotator`;
const REPORTER = `arn:aws:iam::${MANAGEMENT}:role/keyrotor-prod-eu-west-1-reporter`;
const BUS = `arn:aws:events:eu-west-1:${MANAGEMENT}:event-bus/default`;
const ROLE = `arn:aws:iam::${MEMBER}:role/keyrotor-member-health`;
const PATTERN = {
  source: ["aws.health"],
  "detail-type": ["AWS Health Event"],
  detail: { eventTypeCode: ["AWS_RISK_CREDENTIALS_EXPOSED"] },
};

const onKeyrotorsBus = async (params: Record<string, string>) =>
  (
    await exposedKeyTrigger(
      resolverOf({ organizationId: ORG, deploymentTargets: "r-ab12", ...params }, "prod", "eu-west-1"),
    )
  ).Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
const keyrotors = await onKeyrotorsBus({});
const busPolicy = {
  Version: "2012-10-17",
  Statement: [
    evaluate(keyrotors.ExposedKeyEventsBusPolicy?.Properties.Statement, {
      accountId: MANAGEMENT,
      region: "eu-west-1",
    }),
  ],
};

/** The member template's stack in `region` of `accountId`, keyrotor running in `keyrotorRegion`. */
const stackIn = (accountId: string, region: string, keyrotorRegion = "eu-west-1", forward = "true") =>
  memberStack({
    accountId,
    region,
    parameters: {
      RotatorRoleArn: ROTATOR.replace("eu-west-1", keyrotorRegion),
      ReporterRoleArn: REPORTER.replace("eu-west-1", keyrotorRegion),
      OrganizationId: ORG,
      KeyrotorRegion: keyrotorRegion,
      ForwardExposedKeys: forward,
    },
  });
const forwarder = stackIn(MEMBER, "us-east-1");

/** What EventBridge puts in the request context for a PutEvents of entries of these kinds (none: no keys). */
const entries = (kinds: { source: string; detailType: string }[]): Record<string, string[]> =>
  kinds.length === 0
    ? {}
    : { "events:source": kinds.map((k) => k.source), "events:detail-type": kinds.map((k) => k.detailType) };
const HEALTH = { source: "aws.health", detailType: "AWS Health Event" };

const put = (
  principal: string,
  orgId: string | null,
  kinds = [HEALTH],
  identity = identityOf(forwarder.ExposedKeyEventsForwardingRole),
) =>
  decision(principal, "events:PutEvents", BUS, {
    identity,
    resourcePolicy: busPolicy,
    orgId,
    context: entries(kinds),
  });

describe("forwarding AWS Health's exposed-key events to keyrotor's bus", () => {
  it("forwards from us-east-1 exactly source aws.health, AWS Health Event, AWS_RISK_CREDENTIALS_EXPOSED, to keyrotor's bus in its own region", () => {
    // Assess: the member rule, and the rule on keyrotor's bus that calls the scheduler
    const rule = forwarder.ExposedKeyEventsForwardingRule.Properties;
    expect(rule.EventPattern).toEqual(PATTERN);
    expect(rule.Name).toBe("keyrotor-member-health");
    expect(rule.Targets).toEqual([{ Id: "keyrotor-account-default-bus", Arn: BUS, RoleArn: ROLE }]);
    expect(keyrotors.ExposedKeyEventRule?.Properties).toMatchObject({
      EventPattern: PATTERN,
      Targets: [{ Id: "scheduler", Arn: { "Fn::GetAtt": ["SchedulerLambdaFunction", "Arn"] } }],
    });
    expect(keyrotors.ExposedKeyEventPermission?.Properties).toEqual({
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": ["SchedulerLambdaFunction", "Arn"] },
      Principal: "events.amazonaws.com",
      SourceArn: { "Fn::GetAtt": ["ExposedKeyEventRule", "Arn"] },
    });
  });

  it("lets a member account's forwarding role put Health events on keyrotor's default bus", async () => {
    expect(await put(ROLE, ORG)).toBe("Allowed");
    expect(await put(ROLE, ORG, [HEALTH, HEALTH])).toBe("Allowed");
  });

  it("refuses every other principal of the organization, administrators and the Config forwarder included", async () => {
    const admin = [allowAll("events:PutEvents")];
    for (const principal of [
      `arn:aws:iam::${MEMBER}:role/Admin`,
      `arn:aws:iam::${MEMBER}:user/developer`,
      `arn:aws:iam::${MEMBER}:role/keyrotor-member`,
      `arn:aws:iam::${MEMBER}:role/keyrotor-member-events`,
      `arn:aws:iam::${MEMBER}:role/keyrotor-member-health-2`,
      `arn:aws:iam::${MEMBER}:role/path/keyrotor-member-health`,
    ]) {
      expect(await put(principal, ORG, [HEALTH], admin), principal).not.toBe("Allowed");
    }
  });

  it("refuses the forwarding role any other kind of event, alone or among Health's", async () => {
    const other = [
      { source: "aws.health", detailType: "AWS Health Abuse Event" },
      { source: "keyrotor", detailType: "AWS Health Event" },
      { source: "aws.config", detailType: "Config Rules Compliance Change" },
    ];
    for (const kind of other) {
      expect(await put(ROLE, ORG, [kind]), JSON.stringify(kind)).not.toBe("Allowed");
      expect(await put(ROLE, ORG, [HEALTH, kind]), JSON.stringify(kind)).not.toBe("Allowed");
    }
    expect(await put(ROLE, ORG, [])).not.toBe("Allowed");
  });

  it("refuses the same role from outside the organization", async () => {
    const outsider = "arn:aws:iam::999988887777:role/keyrotor-member-health";
    expect(await put(outsider, null)).not.toBe("Allowed");
    expect(await put(outsider, "o-zzz9999999")).not.toBe("Allowed");
  });

  it("gives the forwarding role nothing but PutEvents on keyrotor's default bus, and lets only its rule use it", async () => {
    // Prepare
    const role = forwarder.ExposedKeyEventsForwardingRole;
    const identity = identityOf(role);
    const as = (action: string, resource: string) => decision(ROLE, action, resource, { identity });
    /**
     * Another account's bus whose policy lets anyone put anything, so only the role's own policy can
     * refuse; in the role's own account its policy decides alone.
     */
    const open = (bus: string) =>
      bus.split(":")[4] === MEMBER
        ? undefined
        : {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: "*", Action: "events:PutEvents", Resource: bus }],
          };
    const putOn = (bus: string) =>
      decision(ROLE, "events:PutEvents", bus, {
        identity,
        resourcePolicy: open(bus),
        context: entries([HEALTH]),
      });

    // Act / Assess: the bus, and nothing else (another bus, another region's, another account's)
    expect(await putOn(BUS)).toBe("Allowed");
    for (const elsewhere of [
      `arn:aws:events:eu-west-1:${MANAGEMENT}:event-bus/other`,
      `arn:aws:events:us-east-1:${MANAGEMENT}:event-bus/default`,
      `arn:aws:events:us-east-1:${MEMBER}:event-bus/default`,
      `arn:aws:events:eu-west-1:999988887777:event-bus/default`,
    ]) {
      expect(await putOn(elsewhere), elsewhere).not.toBe("Allowed");
    }
    for (const [action, resource] of [
      ["events:PutRule", `arn:aws:events:us-east-1:${MEMBER}:rule/keyrotor-member-health`],
      ["events:PutTargets", `arn:aws:events:us-east-1:${MEMBER}:rule/keyrotor-member-health`],
      ["iam:PassRole", ROLE],
      ["iam:CreateAccessKey", `arn:aws:iam::${MEMBER}:user/alice`],
      ["sts:AssumeRole", `arn:aws:iam::${MEMBER}:role/keyrotor-member`],
      [
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:us-east-1:${MEMBER}:secret:keyrotor/a-AbCdEf`,
      ],
      ["sqs:SendMessage", `arn:aws:sqs:eu-west-1:${MANAGEMENT}:keyrotor-prod-rotation-jobs.fifo`],
    ]) {
      expect(await as(action as string, resource as string), action).not.toBe("Allowed");
    }
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": MEMBER },
          ArnEquals: { "aws:SourceArn": `arn:aws:events:us-east-1:${MEMBER}:rule/keyrotor-member-health` },
        },
      },
    ]);
  });
});

describe("where the member template creates what, keyrotor running in eu-west-1", () => {
  const names = (stack: Record<string, unknown>) => Object.keys(stack).sort();
  const ROLES = ["MemberReaderRole", "MemberRole"];
  const FORWARDER = ["ExposedKeyEventsForwardingRole", "ExposedKeyEventsForwardingRule"];

  it("creates the roles once, in keyrotor's region, and the Health forwarder only in us-east-1", () => {
    expect(names(stackIn(MEMBER, "eu-west-1"))).toEqual(ROLES);
    expect(names(stackIn(MEMBER, "us-east-1"))).toEqual(FORWARDER);
    // Health's backup region for global events gets nothing: one delivery per event is enough here.
    expect(names(stackIn(MEMBER, "us-west-2"))).toEqual([]);
  });

  it("forwards keyrotor's own account's events across regions, where the bus does not see them", () => {
    expect(names(stackIn(MANAGEMENT, "us-east-1"))).toEqual(FORWARDER);
    const own = stackIn(MANAGEMENT, "us-east-1");
    expect(own.ExposedKeyEventsForwardingRule.Properties.Targets[0].Arn).toBe(BUS);
  });

  it("keyrotor in us-east-1: one stack with roles and forwarder, none in keyrotor's own account (its bus sees them)", () => {
    expect(names(stackIn(MEMBER, "us-east-1", "us-east-1"))).toEqual([...FORWARDER, ...ROLES].sort());
    expect(names(stackIn(MANAGEMENT, "us-east-1", "us-east-1"))).toEqual(ROLES);
    const target = stackIn(MEMBER, "us-east-1", "us-east-1").ExposedKeyEventsForwardingRule.Properties
      .Targets;
    expect(target[0].Arn).toBe(`arn:aws:events:us-east-1:${MANAGEMENT}:event-bus/default`);
  });

  it("creates no forwarder with ForwardExposedKeys false", () => {
    expect(names(stackIn(MEMBER, "us-east-1", "eu-west-1", "false"))).toEqual([]);
    expect(names(stackIn(MEMBER, "us-east-1", "us-east-1", "false"))).toEqual(ROLES);
  });
});

describe("the StackSet's regions and keyrotor's side, by exposedKeyTrigger", () => {
  const regions = (region: string, params: Record<string, string> = {}) =>
    stackSetRegions(resolverOf(params, "prod", region));

  it("adds us-east-1 to the StackSet's regions when keyrotor runs elsewhere, never twice", async () => {
    expect(await regions("eu-west-1")).toEqual(["eu-west-1", "us-east-1"]);
    expect(await regions("us-east-1")).toEqual(["us-east-1"]);
    expect(await regions("eu-west-1", { exposedKeyTrigger: "false" })).toEqual(["eu-west-1"]);
  });

  it("adds the bus policy, the rule and its permission only when on (the default)", async () => {
    expect(Object.keys(keyrotors).sort()).toEqual([
      "ExposedKeyEventPermission",
      "ExposedKeyEventRule",
      "ExposedKeyEventsBusPolicy",
    ]);
    expect(keyrotors.ExposedKeyEventsBusPolicy?.Properties).toMatchObject({
      EventBusName: "default",
      StatementId: "keyrotor-prod-exposed-key-events",
    });
    expect(await onKeyrotorsBus({ exposedKeyTrigger: "false" })).toEqual({});
  });
});
