import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, at, exact, halves } from "../places";

const USUAL_API = "https://app.terraform.io/api/v2";

const schema = z.strictObject({
  type: z.literal("terraform-cloud"),
  organization: z.string().check(z.regex(/^[\w-]+$/, "must be an organization name")),
  workspace: z.string().check(z.regex(/^[\w-]{1,90}$/, "must be a workspace name")),
  category: z._default(z.enum(["env", "terraform"]), "env"),
  apiUrl: z._default(apiUrl, USUAL_API),
  tokenSecret,
  names,
});

export type TerraformCloudDestination = z.infer<typeof schema>;

/** Variables of a Terraform Cloud (or Enterprise) workspace, environment or Terraform ones. */
export const terraformCloudKind: DestinationKind<TerraformCloudDestination> = {
  type: "terraform-cloud",
  schema,
  placeId: (d) => `terraform-cloud:${d.apiUrl}:${d.organization}/${d.workspace}:${d.category}`,
  describe: (d) =>
    `Terraform Cloud workspace ${d.organization}/${d.workspace} (${d.category} variables)${d.apiUrl === USUAL_API ? "" : ` at ${d.apiUrl}`}`,
  problems: () => [],
  // The writer finds a variable by key and category: an env and a terraform variable of one key are two.
  places: (d) =>
    halves(
      d,
      [
        exact("terraform-cloud"),
        anyCase(apiBase(d.apiUrl)),
        anyCase(`${d.organization}/${d.workspace}`),
        exact(d.category),
      ],
      ([, base = "", workspace, category, name]) =>
        `Terraform Cloud ${category} variable ${name} of workspace ${workspace}${at(base, USUAL_API)}`,
    ),
};
