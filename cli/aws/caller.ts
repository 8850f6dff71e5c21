import { STSClient } from "@aws-sdk/client-sts";
import { type ClientOptions, deadlineMsOf } from "../../shared/aws/client-config";
import { type AwsRequest, explicitRegion, resolveClientConfig } from "./session";

/**
 * Client options with the caller's region and credentials: `--profile`, else AWS_PROFILE, else the
 * default chain, as any AWS tool resolves them, checked before the first call and within the call
 * deadline of `options` (a credential provider may call out too).
 * @throws EnvironmentError when either is missing.
 */
export async function callerClientOptions(
  request: AwsRequest,
  options: ClientOptions = {},
): Promise<ClientOptions> {
  const profile = request.profile ?? (request.env.AWS_PROFILE || undefined);
  const region = explicitRegion(request);
  const probe = new STSClient({
    ...(profile === undefined ? {} : { profile }),
    ...(region === undefined ? {} : { region }),
  });
  // Never sends: it only resolves what the clients built from the options will use.
  const resolved = await resolveClientConfig(probe.config, profile, { deadlineMs: deadlineMsOf(options) });
  return { region: resolved.region, credentials: probe.config.credentials };
}
