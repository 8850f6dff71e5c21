import { describe, expect, it } from "vitest";
import { decision, MANAGEMENT, MEMBER, type NamedPolicy, ORG } from "./simulate";
import { evaluate, identityOf, managementAttributes, serverlessResources } from "./templates";

// keyrotor's own Security Hub findings (securityHubFindings): the rotator imports them into its own
// account as that account's default product, reads them back and resolves them on its own hub. The
// rotator's policy as serverless.yml declares it, evaluated with the IAM policy simulator.
// BatchUpdateFindings has no condition key on the findings it names (their product or Id): the hub and
// the fields and values of the update are what IAM can limit, so those are what is proven here.

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

  it("reads findings on its own account's hub only", async () => {
    expect(await decision(rotator.arn, "securityhub:GetFindings", HUB, { identity: rotator.identity })).toBe(
      "Allowed",
    );
    const memberHub = `arn:aws:securityhub:us-east-1:${MEMBER}:hub/default`;
    expect(
      await decision(rotator.arn, "securityhub:GetFindings", memberHub, { identity: rotator.identity }),
    ).toBe("ImplicitlyDenied");
  });

  describe("BatchUpdateFindings: only RESOLVED, with keyrotor's note, on its own hub", () => {
    const RESOLVE = {
      "securityhub:ASFFSyntaxPath/Workflow.Status": "RESOLVED",
      "securityhub:ASFFSyntaxPath/Note.Text": "keyrotor replaced the exposed key",
      "securityhub:ASFFSyntaxPath/Note.UpdatedBy": "keyrotor",
    };
    const update = (context: Record<string, string>, hub = HUB) =>
      decision(rotator.arn, "securityhub:BatchUpdateFindings", hub, { identity: rotator.identity, context });

    it("resolves a finding with keyrotor's note, as the adapter asks", async () => {
      expect(await update(RESOLVE)).toBe("Allowed");
    });

    it("sets no other workflow status: it can neither suppress a finding nor reopen one", async () => {
      for (const status of ["SUPPRESSED", "NEW", "NOTIFIED"]) {
        const context = { ...RESOLVE, "securityhub:ASFFSyntaxPath/Workflow.Status": status };
        expect(await update(context), status).toBe("ImplicitlyDenied");
      }
      const { "securityhub:ASFFSyntaxPath/Workflow.Status": _, ...noteOnly } = RESOLVE;
      expect(await update(noteOnly)).toBe("ImplicitlyDenied");
    });

    it("writes the note only as keyrotor", async () => {
      const context = { ...RESOLVE, "securityhub:ASFFSyntaxPath/Note.UpdatedBy": "security-team" };
      expect(await update(context)).toBe("ImplicitlyDenied");
    });

    it("changes no severity, verification, confidence, criticality, type, user field or related finding", async () => {
      const others = {
        "Severity.Label": "INFORMATIONAL",
        "Severity.Normalized": "0",
        VerificationState: "FALSE_POSITIVE",
        Confidence: "0",
        Criticality: "0",
        Types: "Software and Configuration Checks",
        UserDefinedFields: "owner",
        "RelatedFindings.Id": "some-other-finding",
        "RelatedFindings.ProductArn": OWN_PRODUCT,
      };
      for (const [path, value] of Object.entries(others)) {
        const context = { ...RESOLVE, [`securityhub:ASFFSyntaxPath/${path}`]: value };
        expect(await update(context), path).toBe("ImplicitlyDenied");
      }
    });

    it("updates nothing on another account's hub", async () => {
      expect(await update(RESOLVE, `arn:aws:securityhub:us-east-1:${MEMBER}:hub/default`)).toBe(
        "ImplicitlyDenied",
      );
    });
  });

  it("is the only one of keyrotor's roles with any Security Hub right", async () => {
    for (const name of ["SchedulerRole", "NotifierRole", "ReporterRole"]) {
      const other = role(name);
      expect(await importFindings(other.arn, other.identity, OWN_PRODUCT), name).toBe("ImplicitlyDenied");
      for (const action of ["securityhub:GetFindings", "securityhub:BatchUpdateFindings"]) {
        expect(await decision(other.arn, action, HUB, { identity: other.identity }), name).toBe(
          "ImplicitlyDenied",
        );
      }
    }
  });
});
