import { STSClient } from "@aws-sdk/client-sts";
import type { ClientOptions } from "../../shared/aws/client-config";
import { type AwsRequest, explicitRegion, resolveClientConfig } from "./session";

/**
 * Client options with the caller's region and credentials: `--profile`, else AWS_PROFILE, else the
 * default chain, as any AWS tool resolves them, checked before the first call.
 * @throws EnvironmentError when either is missing.
 */
export async function callerClientOptions(request: AwsRequest): Promise<ClientOptions> {
  const profile = request.profile ?? (request.env.AWS_PROFILE || undefined);
  const region = explicitRegion(request);
  const probe = new STSClient({
    ...(profile === undefined ? {} : { profile }),
    ...(region === undefined ? {} : { region }),
  });
  const resolved = await resolveClientConfig(probe.config, profile);
  return { region: resolved.region, credentials: probe.config.credentials };
}
