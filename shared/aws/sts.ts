import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type ClientOptions, sdkClient } from "./client-config";
import { call } from "./errors";

const SERVICE = "STS";

/** Temporary credentials: passed to SDK clients only, never logged, reported or enqueued. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration?: Date;
}

/** IAM role session names: 2–64 characters of `[\w+=,.@-]`. */
export function sessionName(...parts: string[]): string {
  const name = parts.join("-").replace(/[^\w+=,.@-]/g, "-");
  return name.slice(0, 64).padEnd(2, "-");
}

export class StsAdapter {
  constructor(private readonly client: STSClient) {}

  static create(options?: ClientOptions): StsAdapter {
    return new StsAdapter(sdkClient(STSClient, options));
  }

  assumeRole(roleArn: string, roleSessionName: string): Promise<SessionCredentials> {
    return call(SERVICE, "AssumeRole", async () => {
      const out = await this.client.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: roleSessionName, DurationSeconds: 3600 }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    });
  }

  /** The caller's account and partition, from its ARN. */
  whoAmI(): Promise<{ accountId: string; partition: string; arn: string }> {
    return call(SERVICE, "GetCallerIdentity", async () => {
      const out = await this.client.send(new GetCallerIdentityCommand({}));
      const arn = out.Arn ?? "";
      return { accountId: out.Account ?? "", partition: arn.split(":")[1] || "aws", arn };
    });
  }
}
