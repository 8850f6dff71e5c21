import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { sdkClient } from "../../shared/aws/client-config";
import { SecretsAdapter } from "../../shared/aws/secrets";
import type { Redacted } from "../../shared/redacted";
import { EnvironmentError } from "../errors";
import { keyrotorLoop, readProfiles } from "./profiles";
import { unreadableSecret } from "./quick-secret";
import { type AwsRequest, explicitRegion, resolveClientConfig, whileMarked } from "./session";

/**
 * The value of a secret, read for `credential-process` with credentials of its own: never through
 * AWS_PROFILE (the profile that runs credential-process), so the SDK cannot start it again.
 * @throws EnvironmentError when credentials or region are missing, `--profile` would start keyrotor
 * again, or the secret does not exist or may not be read; AwsCallError when AWS fails otherwise.
 */
export async function readSecretForCredentialProcess(
  secretId: string,
  request: AwsRequest,
): Promise<Redacted<string>> {
  const { env } = request;
  const profiles = readProfiles(env);
  if (request.profile !== undefined && !profiles.has(request.profile)) {
    throw new EnvironmentError(
      `profile "${request.profile}" is in neither the AWS config file nor the credentials file`,
    );
  }
  const fromEnv =
    request.profile === undefined && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  // An explicit profile keeps the SDK from reading AWS_PROFILE; "default" is what it reads without one.
  const profile = request.profile ?? "default";
  const loop = fromEnv ? null : keyrotorLoop(profile, profiles);
  if (loop !== null) {
    const fix = request.profile === undefined ? "pass --profile with" : "give --profile";
    throw new EnvironmentError(
      `${loop}, so keyrotor would start itself again to get its own credentials: ${fix} a profile ` +
        "with credentials of its own (static keys, SSO, a role), or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
    );
  }
  const region = explicitRegion(request);
  // Whoever runs credential-process waits for it: resolving its credentials, and every call, ends
  // within 30 s.
  const deadlineSeconds = 30;
  const client = sdkClient(
    SecretsManagerClient,
    {
      maxAttempts: 3,
      timeoutSeconds: 10,
      deadlineSeconds,
      ...(region === undefined ? {} : { region }),
      ...(fromEnv === undefined ? {} : { credentials: fromEnv }),
    },
    { profile },
  );
  await whileMarked(profile, () =>
    resolveClientConfig(client.config, request.profile, {
      ignoresAwsProfile: true,
      deadlineMs: deadlineSeconds * 1000,
    }),
  );
  try {
    return await new SecretsAdapter(client).readSecretValue(secretId);
  } catch (error) {
    throw unreadableSecret(secretId, error);
  }
}
