import { principalArn } from "../config";
import { UserInputError } from "../errors";
import { wildcardMatches } from "../wildcard";

/** AWS's limit on a secret's resource policy. */
export const MAX_POLICY_CHARS = 20_480;

/**
 * The readers a user's readers tag may add: only ARNs that match the operator's allowlist. A tag is
 * written by whoever holds `iam:TagUser`, a far weaker right than reading secrets, so it can choose
 * among the principals the operator allowed and never widen access beyond them. What it names
 * otherwise (malformed, or not allowed) is returned as `ignored` so the owner is told.
 */
export function taggedReaders(
  tagValue: string | undefined,
  allowlist: readonly string[],
): { readonly allowed: string[]; readonly ignored: string[] } {
  const named = (tagValue ?? "").split(/\s+/).filter((s) => s !== "");
  const ok = (arn: string) =>
    principalArn.safeParse(arn).success && allowlist.some((pattern) => wildcardMatches(pattern, arn));
  return { allowed: named.filter(ok), ignored: named.filter((arn) => !ok(arn)) };
}

/**
 * The user and the configured readers may read the secret; every other principal is
 * explicitly denied `GetSecretValue`, whatever its own identity policy says. Writes are not denied,
 * so the member role can still store the next key.
 */
export function buildSecretPolicy(userArn: string, readers: readonly string[]): string {
  const principals = [...new Set([userArn, ...readers])].sort();
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "KeyrotorReaders",
        Effect: "Allow",
        Principal: { AWS: principals },
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: "*",
      },
      {
        Sid: "KeyrotorDenyEveryoneElse",
        Effect: "Deny",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": principals } },
      },
    ],
  });
  if (policy.length > MAX_POLICY_CHARS) {
    throw new UserInputError(
      `the secret policy for ${userArn} would be ${policy.length} characters, over AWS's ${MAX_POLICY_CHARS}: name fewer readers`,
    );
  }
  return policy;
}
