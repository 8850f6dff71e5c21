import type { Redacted } from "../../shared/redacted";
import type { ValuesOf } from "../args";
import { RESOLVING_MARK } from "../aws/session";
import { EnvironmentError, EXIT } from "../errors";
import type { CommandContext } from "./context";
import type { CREDENTIAL_PROCESS } from "./specs";

/**
 * `keyrotor credential-process`: the key a keyrotor secret holds now, as the AWS `credential_process`
 * JSON, so a profile with `credential_process = keyrotor credential-process --secret-id ...` always
 * uses the newest key. The only command that prints a secret, and only on stdout.
 */
export async function run(
  values: ValuesOf<typeof CREDENTIAL_PROCESS.options>,
  { io, services }: CommandContext,
) {
  const parent = io.env[RESOLVING_MARK];
  if (parent !== undefined) {
    throw new EnvironmentError(
      `keyrotor credential-process was started by itself: profile "${parent}", which it used for its ` +
        "own credentials, runs keyrotor again. Give it --profile with a profile that has credentials " +
        "of its own (static keys, SSO, a role)",
    );
  }
  const secretId = values["secret-id"] ?? "";
  const value = await services.secretValue(secretId, {
    profile: values.profile,
    region: values.region,
    env: io.env,
  });
  io.stdout(credentialProcessOutput(value, secretId));
  return EXIT.ok;
}

/**
 * The `credential_process` JSON for a keyrotor secret's value.
 * @throws EnvironmentError when the secret does not hold a keyrotor key.
 */
export function credentialProcessOutput(value: Redacted<string>, secretId: string): string {
  let parsed: { AccessKeyId?: unknown; SecretAccessKey?: unknown };
  try {
    parsed = JSON.parse(value.reveal());
  } catch {
    throw new EnvironmentError(`secret ${secretId} does not hold JSON; is it a keyrotor secret?`);
  }
  if (typeof parsed.AccessKeyId !== "string" || typeof parsed.SecretAccessKey !== "string") {
    throw new EnvironmentError(
      `secret ${secretId} has no AccessKeyId and SecretAccessKey; is it a keyrotor secret?`,
    );
  }
  return JSON.stringify({
    Version: 1,
    AccessKeyId: parsed.AccessKeyId,
    SecretAccessKey: parsed.SecretAccessKey,
  });
}
