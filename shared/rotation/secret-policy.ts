import { principalArn } from "../config";
import { UserInputError } from "../errors";

/** AWS's limit on a secret's resource policy. */
export const MAX_POLICY_CHARS = 20_480;

/**
 * Reader ARNs from the user's readers tag: IAM tag values cannot hold commas, so they are separated
 * by spaces. @throws UserInputError naming the tag and the value that is not an IAM user or role ARN.
 */
export function parseReaders(tagName: string, value: string | undefined): string[] {
  const readers = (value ?? "").split(/\s+/).filter((s) => s !== "");
  for (const arn of readers) {
    if (!principalArn.safeParse(arn).success) {
      throw new UserInputError(`tag ${tagName} holds "${arn}", which is not an IAM user or role ARN`);
    }
  }
  return readers;
}

/**
 * DESIGN §3.5: the user and the configured readers may read the secret; every other principal is
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
