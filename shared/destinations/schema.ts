import * as z from "zod/mini";
import { accountId, apiUrl, names, principalArn, region, template, tokenSecret } from "./fields";

export { TOKEN_SECRET_PREFIX } from "./fields";

/**
 * The `deliveries` setting: which users' new keys go where. Each binding names an account (or `*`)
 * and a user (`*` matches any run of characters) and the destinations their keys are written to.
 */

const github = z.strictObject({
  type: z.literal("github"),
  /** `owner/repo`: a repository secret, or with `environment` an environment secret. */
  repository: z.optional(z.string().check(z.regex(/^[\w.-]+\/[\w.-]+$/, "must be owner/repo"))),
  environment: z.optional(z.string().check(z.regex(/^[^\s/][^/]{0,254}$/, "must be an environment name"))),
  /** An organization secret, visible to `visibility` repositories. */
  organization: z.optional(z.string().check(z.regex(/^[\w.-]+$/, "must be an organization login"))),
  visibility: z.optional(z.enum(["all", "private", "selected"])),
  selectedRepositoryIds: z.optional(z.array(z.number().check(z.int(), z.positive()))),
  apiUrl: z._default(apiUrl, "https://api.github.com"),
  tokenSecret,
  names,
});

const gitlab = z.strictObject({
  type: z.literal("gitlab"),
  /** A project's id or full path (`group/project`), or a group's. */
  project: z.optional(z.string().check(z.minLength(1))),
  group: z.optional(z.string().check(z.minLength(1))),
  environmentScope: z._default(z.string().check(z.minLength(1)), "*"),
  masked: z._default(z.boolean(), true),
  protected: z._default(z.boolean(), true),
  apiUrl: z._default(apiUrl, "https://gitlab.com/api/v4"),
  tokenSecret,
  names,
});

const circleci = z.strictObject({
  type: z.literal("circleci"),
  /** A project slug such as `gh/org/repo`, or a context's id. */
  project: z.optional(
    z.string().check(z.regex(/^[\w-]+\/[\w.-]+\/[\w.-]+$/, "must be a slug such as gh/org/repo")),
  ),
  context: z.optional(z.string().check(z.regex(/^[0-9a-f-]{36}$/, "must be a context id (a UUID)"))),
  apiUrl: z._default(apiUrl, "https://circleci.com/api/v2"),
  tokenSecret,
  names,
});

const terraformCloud = z.strictObject({
  type: z.literal("terraform-cloud"),
  organization: z.string().check(z.regex(/^[\w-]+$/, "must be an organization name")),
  workspace: z.string().check(z.regex(/^[\w-]{1,90}$/, "must be a workspace name")),
  category: z._default(z.enum(["env", "terraform"]), "env"),
  apiUrl: z._default(apiUrl, "https://app.terraform.io/api/v2"),
  tokenSecret,
  names,
});

const ssm = z.strictObject({
  type: z.literal("ssm"),
  /** The parameters `<path>/<name>` (SecureString) are written; under `/` + the secret prefix. */
  path: template,
  /** Another account of the organization (its member role writes); the user's own account by default. */
  account: z.optional(accountId),
  region: z.optional(region),
  names,
});

const secretsManager = z.strictObject({
  type: z.literal("secrets-manager"),
  /** The secret's name, under the secret prefix and with a `/` after it, e.g. `keyrotor/central/{accountId}/{userName}`. */
  name: template,
  account: accountId,
  region: z.optional(region),
  /** Who may read the copy (besides nobody else: its policy denies every other principal). */
  readers: z._default(z.array(principalArn), []),
});

export const destinationSchema = z.discriminatedUnion("type", [
  github,
  gitlab,
  circleci,
  terraformCloud,
  ssm,
  secretsManager,
]);

export const bindingSchema = z.strictObject({
  account: z
    .string()
    .check(z.regex(/^(\d{12}|\*)$/, "must be a 12-digit AWS account id, or * for every account")),
  user: z
    .string()
    .check(z.regex(/^[\w+=,.@*-]{1,128}$/, "must be an IAM user name, `*` matching any run of characters")),
  destinations: z.array(destinationSchema).check(z.minLength(1, "must name at least one destination")),
});

export type Destination = z.infer<typeof destinationSchema>;
export type Binding = z.infer<typeof bindingSchema>;
export type GitHubDestination = z.infer<typeof github>;
export type GitLabDestination = z.infer<typeof gitlab>;
export type CircleCiDestination = z.infer<typeof circleci>;
export type TerraformCloudDestination = z.infer<typeof terraformCloud>;
export type SsmDestination = z.infer<typeof ssm>;
export type SecretsManagerDestination = z.infer<typeof secretsManager>;
