import type { GitLabDestination } from "../destinations/schema";
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

/** GitLab CI/CD: the project (or group) whose variables held the key. */
export function gitlabTrust(d: GitLabDestination, label: string, ctx: TrustContext): ProviderTrust {
  const url = publicOrigin(d.apiUrl, /\/api\/v4\/?$/, "https://gitlab.com");
  const provider = identityProvider("gitlab", url, url, ctx);
  const key = issuerKey(url);
  const placeholders: Placeholder[] = [];
  const notes: string[] = [];
  let path = d.group ? `${d.group}/*` : (d.project ?? "");
  if (/^\d+$/.test(path)) {
    placeholders.push({ name: "GITLAB_PROJECT_PATH", meaning: `the full path of project ${path}` });
    path = "<GITLAB_PROJECT_PATH>";
  }
  let ref = "ref_type:*:ref:*";
  const extra: Record<string, string> = {};
  if (d.protected && key === "gitlab.com") extra[`${key}:ref_protected`] = "true";
  else if (d.protected) {
    ref = "ref_type:branch:ref:<PROTECTED_BRANCH>";
    placeholders.push({
      name: "PROTECTED_BRANCH",
      meaning:
        "a protected branch whose pipelines used the key (ref_type:tag:ref:<tag> for a tag); one subject per ref",
    });
  } else {
    notes.push(
      `The variables were not protected, so every pipeline of ${path} may assume the role; to allow protected branches and tags only, require ${key === "gitlab.com" ? "gitlab.com:ref_protected = true" : "their refs in the subject"}.`,
    );
  }
  if (d.environmentScope !== "*") {
    notes.push(
      `AWS cannot check GitLab's environment claim: the variables were scoped to environment ${d.environmentScope}, the role trusts the project's pipelines whatever their environment.`,
    );
  }
  const sub = `project_path:${path}:${ref}`;
  const base = condition(key, url, sub, !sub.includes("*"));
  return {
    provider,
    condition: { ...base, StringEquals: { ...base.StringEquals, ...extra } },
    pipeline: {
      provider: "gitlab",
      destination: label,
      where: `.gitlab-ci.yml of ${d.project ? `project ${d.project}` : `the projects of group ${d.group}`}, in each job that used the key`,
      lines: [
        "<job>:",
        "  id_tokens:",
        "    GITLAB_OIDC_TOKEN:",
        `      aud: ${url}`,
        "  script:",
        "    - >",
        '      export $(printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s"',
        "      $(aws sts assume-role-with-web-identity",
        `      --role-arn ${ctx.roleArn}`,
        '      --role-session-name "gitlab-$CI_PROJECT_ID-$CI_JOB_ID"',
        '      --web-identity-token "$GITLAB_OIDC_TOKEN"',
        "      --duration-seconds 3600",
        "      --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]'",
        "      --output text))",
        `    - export AWS_REGION=${ctx.region}`,
      ],
      remove: keyNames(d),
    },
    placeholders,
    notes,
  };
}
