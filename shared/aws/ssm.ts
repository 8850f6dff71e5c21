import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { SecureStringPort } from "../destinations/ssm";
import type { Redacted } from "../redacted";
import { type ClientOptions, sdkClient } from "./client-config";
import { call } from "./errors";

const SERVICE = "SSM";

/** Systems Manager Parameter Store for one account and region: writes SecureString parameters only. */
export class SsmAdapter implements SecureStringPort {
  constructor(private readonly client: SSMClient) {}

  static create(options?: ClientOptions): SsmAdapter {
    return new SsmAdapter(sdkClient(SSMClient, options));
  }

  /**
   * Writes `value` as a SecureString under the account's `aws/ssm` key, replacing any value there, and
   * returns the parameter's new version. Writing the same value again leaves the same value (with a
   * new version number), so a retried write is harmless.
   */
  putSecureString(name: string, value: Redacted<string>, description?: string): Promise<number> {
    return call(SERVICE, "PutParameter", async () => {
      const out = await this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: value.reveal(),
          Type: "SecureString",
          Overwrite: true,
          ...(description === undefined ? {} : { Description: description }),
        }),
      );
      return out.Version ?? 0;
    });
  }
}
