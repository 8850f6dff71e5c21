import type { TerraformCloudDestination } from "../destinations/schema";
import {
  condition,
  identityProvider,
  issuerKey,
  keyNames,
  type ProviderTrust,
  publicOrigin,
  type TrustContext,
} from "./oidc";

/**
 * Terraform Cloud (HCP Terraform, or Terraform Enterprise at its own host): the workspace whose
 * variables held the key. Its runs' subject is
 * `organization:<org>:project:<project>:workspace:<workspace>:run_phase:<plan|apply>`; keyrotor does
 * not know the workspace's project, so the subject allows any.
 */
export function terraformCloudTrust(
  d: TerraformCloudDestination,
  label: string,
  ctx: TrustContext,
): ProviderTrust {
  const url = publicOrigin(d.apiUrl, /\/api\/v2\/?$/, "https://app.terraform.io");
  const provider = identityProvider("terraform-cloud", url, "aws.workload.identity", ctx);
  const sub = `organization:${d.organization}:project:*:workspace:${d.workspace}:run_phase:*`;
  const notes = [
    `Both plan and apply runs of ${d.organization}/${d.workspace} may assume the role; for a read-only plan, make a second role with run_phase:plan and set TFC_AWS_PLAN_ROLE_ARN and TFC_AWS_APPLY_ROLE_ARN instead.`,
  ];
  if (d.category === "terraform") {
    notes.push(
      "The key was passed as Terraform variables: remove them from the aws provider block (access_key, secret_key) too.",
    );
  }
  return {
    provider,
    condition: condition(issuerKey(url), provider.audience, sub, false),
    pipeline: {
      provider: "terraform-cloud",
      destination: label,
      where: `the environment variables of workspace ${d.organization}/${d.workspace}`,
      lines: ["TFC_AWS_PROVIDER_AUTH = true", `TFC_AWS_RUN_ROLE_ARN = ${ctx.roleArn}`],
      remove: keyNames(d),
    },
    placeholders: [],
    notes,
  };
}
