import * as z from "zod/mini";
import { type Destination, KINDS } from "./kinds";
import { smtpSchema } from "./smtp/binding";

/**
 * The `deliveries` setting: which users' new keys go where. Each binding names an account (or `*`)
 * and a user (`*` matches any run of characters) and the destinations their keys are written to,
 * each of one of the kinds in `kinds/`.
 */

export { TOKEN_SECRET_PREFIX } from "./fields";

type Discriminable = z.core.$ZodTypeDiscriminable;

/** Any kind's destination, told apart by `type`. */
export const destinationSchema = z.discriminatedUnion(
  "type",
  KINDS.map((k) => k.schema) as unknown as [Discriminable, ...Discriminable[]],
) as unknown as z.ZodMiniType<Destination, unknown>;

export const bindingSchema = z.strictObject({
  account: z
    .string()
    .check(z.regex(/^(\d{12}|\*)$/, "must be a 12-digit AWS account id, or * for every account")),
  user: z
    .string()
    .check(z.regex(/^[\w+=,.@*-]{1,128}$/, "must be an IAM user name, `*` matching any run of characters")),
  destinations: z.array(destinationSchema).check(z.minLength(1, "must name at least one destination")),
  /** The users send mail through SES SMTP: their destinations get each Region's SMTP credentials instead of the key. */
  smtp: z.optional(smtpSchema),
});

export type { Destination } from "./kinds";
export type Binding = z.infer<typeof bindingSchema>;
export type { CircleCiDestination } from "./kinds/circleci";
export type { GitHubDestination } from "./kinds/github";
export type { GitLabDestination } from "./kinds/gitlab";
export type { KubernetesDestination } from "./kinds/kubernetes";
export type { SecretsManagerDestination } from "./kinds/secrets-manager";
export type { SsmDestination } from "./kinds/ssm";
export type { TerraformCloudDestination } from "./kinds/terraform-cloud";
export type { VaultDestination } from "./kinds/vault";
