import type { GitHubDestination } from "../destinations/schema";
import {
  condition,
  identityProvider,
  issuerKey,
  keyNames,
  type ProviderTrust,
  publicOrigin,
  type TrustContext,
} from "./oidc";
import type { Placeholder } from "./types";

/** GitHub Actions: the repository (and environment) whose secrets held the key. */
export function githubTrust(d: GitHubDestination, label: string, ctx: TrustContext): ProviderTrust {
  const origin = publicOrigin(d.apiUrl, /\/api\/v3\/?$/, "https://api.github.com");
  const ghe = /^https:\/\/api\.([\w-]+)\.ghe\.com$/.exec(origin);
  const url =
    origin === "https://api.github.com"
      ? "https://token.actions.githubusercontent.com"
      : ghe
        ? `https://token.actions.${ghe[1]}.ghe.com`
        : `${origin}/_services/token`;
  const provider = identityProvider("github", url, "sts.amazonaws.com", ctx);
  const placeholders: Placeholder[] = [];
  const notes: string[] = [];
  let sub: string;
  if (d.repository && d.environment) sub = `repo:${d.repository}:environment:${d.environment}`;
  else if (d.repository) {
    sub = `repo:${d.repository}:*`;
    notes.push(
      `Every workflow of ${d.repository} could read the secret, so each may assume the role; to allow one branch only, use StringEquals with repo:${d.repository}:ref:refs/heads/<branch>, or give the job an environment (repo:${d.repository}:environment:<name>).`,
    );
  } else if (d.visibility === "selected") {
    sub = `repo:${d.organization}/<GITHUB_REPOSITORY>:*`;
    placeholders.push({
      name: "GITHUB_REPOSITORY",
      meaning: `a repository the organization secret was shared with (ids ${d.selectedRepositoryIds?.join(", ")}); list one subject per repository`,
    });
  } else {
    sub = `repo:${d.organization}/*`;
    notes.push(
      `Every repository of ${d.organization} could read the organization secret, so each may assume the role; list only the repositories that deploy.`,
    );
  }
  const job = d.environment ? [`    environment: ${d.environment}`] : [];
  return {
    provider,
    condition: condition(issuerKey(url), provider.audience, sub, !sub.includes("*")),
    pipeline: {
      provider: "github",
      destination: label,
      where: `the workflows (.github/workflows/*.yml) of ${d.repository ?? `the repositories of ${d.organization}`} that used the key`,
      lines: [
        "  <job>:",
        ...job,
        "    permissions:",
        "      id-token: write",
        "      contents: read",
        "    steps:",
        "      - uses: aws-actions/configure-aws-credentials@v4",
        "        with:",
        `          role-to-assume: ${ctx.roleArn}`,
        `          aws-region: ${ctx.region}`,
      ],
      remove: keyNames(d),
    },
    placeholders,
    notes,
  };
}
