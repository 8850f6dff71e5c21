import type { CircleCiDestination } from "../destinations/schema";
import {
  condition,
  identityProvider,
  issuerKey,
  keyNames,
  type ProviderTrust,
  type TrustContext,
} from "./oidc";
import type { Placeholder } from "./types";

/** Where CircleCI's `vcs-origin` claim says a project slug's repository lives. */
const VCS_HOSTS: Readonly<Record<string, string>> = {
  gh: "github.com",
  github: "github.com",
  bb: "bitbucket.org",
  bitbucket: "bitbucket.org",
};

const ORG: Placeholder = {
  name: "CIRCLECI_ORGANIZATION_ID",
  meaning: "the CircleCI organization's id (Organization Settings > Overview), a UUID",
};
const PROJECT: Placeholder = {
  name: "CIRCLECI_PROJECT_ID",
  meaning: "the CircleCI project's id (Project Settings > Overview), a UUID",
};

/**
 * CircleCI: the project (or context) whose variables held the key. The token's issuer, audience and
 * subject are made of the organization's and the project's ids, which a `gh/org/repo` slug does not
 * tell: those are placeholders the operator fills. A `circleci/<org id>/<project id>` slug names both.
 */
export function circleciTrust(d: CircleCiDestination, label: string, ctx: TrustContext): ProviderTrust {
  const [vcs = "", first = "", second = ""] = (d.project ?? "").split("/");
  const ids = vcs === "circleci";
  const org = ids ? first : `<${ORG.name}>`;
  const project = ids ? second : `<${PROJECT.name}>`;
  const placeholders = ids ? [] : [ORG, PROJECT];
  const notes: string[] = [];
  if (d.context) {
    notes.push(
      `AWS cannot check which context a CircleCI job uses: the key was in context ${d.context}, the role trusts the projects named in its subject (one subject per project whose jobs used the context).`,
    );
  }
  if (!d.apiUrl.startsWith("http://") && !d.apiUrl.startsWith("https://circleci.com/")) {
    notes.push(`CircleCI server issues its tokens from its own host: use it instead of oidc.circleci.com.`);
  }
  const url = `https://oidc.circleci.com/org/${org}`;
  const provider = identityProvider("circleci", url, org, ctx);
  const origin = !ids && d.project ? `${VCS_HOSTS[vcs] ?? vcs}/${first}/${second}` : null;
  return {
    provider,
    condition: condition(issuerKey(url), org, `org/${org}/project/${project}/user/*`, false),
    pipeline: {
      provider: "circleci",
      destination: label,
      where: `.circleci/config.yml of ${origin ?? d.project ?? "the projects using the context"}, in each job that used the key`,
      lines: [
        "  <job>:",
        "    environment:",
        `      AWS_ROLE_ARN: ${ctx.roleArn}`,
        "      AWS_WEB_IDENTITY_TOKEN_FILE: /tmp/aws-web-identity-token",
        `      AWS_REGION: ${ctx.region}`,
        "    steps:",
        '      - run: echo "$CIRCLE_OIDC_TOKEN_V2" > "$AWS_WEB_IDENTITY_TOKEN_FILE"',
      ],
      remove: keyNames(d),
    },
    placeholders,
    notes,
  };
}
