import * as z from "zod/mini";

/**
 * The `deliveries` setting: which users' new keys go where. Each binding names an account (or `*`)
 * and a user (`*` matches any run of characters) and the destinations their keys are written to.
 */

const accountId = z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit AWS account id"));
const region = z
  .string()
  .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1"));
const principalArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws(-[a-z]+)*:iam::\d{12}:(user|role)\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/,
      "must be an IAM user or role ARN",
    ),
  );

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])$/;
/** `https://host[:port][/path]`: a host name or IPv6 literal, and a path of RFC 3986's path characters. */
const API_URL = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/[\w.~!$&'()*+,;=:@%/-]*)?$/;

/**
 * Why `url` cannot be a provider's API base, or `null`. The URL is printed in every label of its
 * destination and sent every token: it must hold no credential of its own (a token belongs in
 * `tokenSecret`), no query or fragment, and go over https; plain http only to this machine, where the
 * tests' local provider servers listen.
 */
function apiUrlProblem(url: string): string | null {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? "";
  if (authority.includes("@")) {
    return "must not hold a user name or password (put the token in tokenSecret; the URL is printed in labels)";
  }
  if (/[?#]/.test(url)) return "must not have a query (?) or a fragment (#)";
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const host = /^[a-z]+:\/\/(\[[^\]]*\]|[^:/]*)/i.exec(url)?.[1] ?? "";
  if (scheme !== "https" && !(scheme === "http" && LOOPBACK.test(host))) {
    return "must be an https:// URL (tokens are never sent in clear text; http only to 127.0.0.1)";
  }
  return API_URL.test(url)
    ? null
    : "must be an https:// URL of the provider's API such as https://api.github.com (a host, an optional port and path)";
}

/** A provider's API base: https, or plain http on this machine only (a local server, a test). */
const apiUrl = z.string().check(
  z.superRefine((url, ctx) => {
    const problem = apiUrlProblem(url);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: url });
  }),
);

/** Where a destination's API token lives: a secret in keyrotor's own account, under `keyrotor-tokens/`. */
export const TOKEN_SECRET_PREFIX = "keyrotor-tokens/";
const tokenSecret = z
  .string()
  .check(
    z.regex(
      /^keyrotor-tokens\/[A-Za-z0-9/_+=.@-]{1,200}$/,
      `must be the name of a secret under ${TOKEN_SECRET_PREFIX} in keyrotor's account (the only secrets the rotator may read)`,
    ),
  );

/** A CI variable name: letters, digits and `_`, not starting with a digit (what every provider accepts). */
const variableName = z
  .string()
  .check(
    z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "must be letters, digits and _, not starting with a digit"),
  );
const names = z.optional(z.strictObject({ accessKeyId: variableName, secretAccessKey: variableName }));

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

/** Path and name templates may say `{accountId}` and `{userName}`. */
const template = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9/_+=.@{}-]{1,900}$/, "may hold only letters, digits, /_+=.@- and {placeholders}"),
  );

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
