import { describe, expect, it } from "vitest";
import { decision, MANAGEMENT, MEMBER, type NamedPolicy, ORG } from "./simulate";
import { evaluate, identityOf, managementAttributes, serverlessResources } from "./templates";

// keyrotor's own Security Hub findings (securityHubFindings): the rotator imports them into its own
// account as that account's default product, reads them back and resolves them on its own hub. The
// rotator's policy as serverless.yml declares it, evaluated with the IAM policy simulator.

const management = serverlessResources({
  senderEmail: "keyrotor@example.com",
  organizationId: ORG,
  deploymentTargets: "r-ab12",
});
const attributes = managementAttributes(management, MANAGEMENT);
const role = (name: string) => ({
  arn: attributes[`${name}.Arn`] as string,
  identity: identityOf(evaluate(management[name], { accountId: MANAGEMENT, attributes })) as NamedPolicy[],
});
const rotator = role("RotatorRole");
const OWN_PRODUCT = `arn:aws:securityhub:us-east-1:${MANAGEMENT}:product/${MANAGEMENT}/default`;
const HUB = `arn:aws:securityhub:us-east-1:${MANAGEMENT}:hub/default`;

const importFindings = (principal: string, identity: NamedPolicy[], product: string, target = MANAGEMENT) =>
  decision(principal, "securityhub:BatchImportFindings", product, {
    identity,
    context: { "securityhub:TargetAccount": target },
  });

describe("the rotator's Security Hub rights", () => {
  it("imports findings into its own account's default product", async () => {
    expect(await importFindings(rotator.arn, rotator.identity, OWN_PRODUCT)).toBe("Allowed");
  });

  it("imports none for another account, into another product, region or account", async () => {
    expect(await importFindings(rotator.arn, rotator.identity, OWN_PRODUCT, MEMBER)).toBe("ImplicitlyDenied");
    const partner = `arn:aws:securityhub:us-east-1:${MANAGEMENT}:product/acme/scanner`;
    expect(await importFindings(rotator.arn, rotator.identity, partner)).toBe("ImplicitlyDenied");
    const elsewhere = `arn:aws:securityhub:eu-west-1:${MANAGEMENT}:product/${MANAGEMENT}/default`;
    expect(await importFindings(rotator.arn, rotator.identity, elsewhere)).toBe("ImplicitlyDenied");
    const memberProduct = `arn:aws:securityhub:us-east-1:${MEMBER}:product/${MEMBER}/default`;
    expect(await importFindings(rotator.arn, rotator.identity, memberProduct, MEMBER)).toBe(
      "ImplicitlyDenied",
    );
  });

  it("reads and resolves findings on its own account's hub only", async () => {
    for (const action of ["securityhub:GetFindings", "securityhub:BatchUpdateFindings"]) {
      expect(await decision(rotator.arn, action, HUB, { identity: rotator.identity }), action).toBe(
        "Allowed",
      );
      const memberHub = `arn:aws:securityhub:us-east-1:${MEMBER}:hub/default`;
      expect(await decision(rotator.arn, action, memberHub, { identity: rotator.identity }), action).toBe(
        "ImplicitlyDenied",
      );
    }
  });

  it("is the only one of keyrotor's roles with any Security Hub right", async () => {
    for (const name of ["SchedulerRole", "NotifierRole", "ReporterRole"]) {
      const other = role(name);
      expect(await importFindings(other.arn, other.identity, OWN_PRODUCT), name).toBe("ImplicitlyDenied");
      expect(
        await decision(other.arn, "securityhub:GetFindings", HUB, { identity: other.identity }),
        name,
      ).toBe("ImplicitlyDenied");
    }
  });
});
