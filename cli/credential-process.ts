import type { SecretsAdapter } from "../shared/aws/secrets";
import { UserInputError } from "../shared/errors";

/**
 * The AWS `credential_process` output for the key a keyrotor secret holds now, so a profile with
 * `credential_process = keyrotor credential-process --secret-id ...` always uses the newest key.
 * @throws UserInputError when the secret does not hold a keyrotor key.
 */
export async function credentialProcessOutput(
  secrets: Pick<SecretsAdapter, "readSecretValue">,
  secretId: string,
): Promise<string> {
  const value = await secrets.readSecretValue(secretId);
  let parsed: { AccessKeyId?: unknown; SecretAccessKey?: unknown };
  try {
    parsed = JSON.parse(value.reveal());
  } catch {
    throw new UserInputError(`secret ${secretId} does not hold JSON; is it a keyrotor secret?`);
  }
  if (typeof parsed.AccessKeyId !== "string" || typeof parsed.SecretAccessKey !== "string") {
    throw new UserInputError(
      `secret ${secretId} has no AccessKeyId and SecretAccessKey; is it a keyrotor secret?`,
    );
  }
  return JSON.stringify({
    Version: 1,
    AccessKeyId: parsed.AccessKeyId,
    SecretAccessKey: parsed.SecretAccessKey,
  });
}
