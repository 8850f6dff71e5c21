import {
  DescribeParametersCommand,
  type ParameterMetadata,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import type { SecureStringPort } from "../destinations/ssm";
import { AWS_SSM_KEY_ALIAS, type ParameterMeta } from "../destinations/ssm-trust";
import type { Redacted } from "../redacted";
import { type ClientOptions, sdkClient } from "./client-config";
import { call } from "./errors";

const SERVICE = "SSM";

/** DescribeParameters may answer empty pages with a token; more pages than this for a few names is a fault. */
const MAX_PAGES = 20;

/** Systems Manager Parameter Store for one account and region: writes SecureString parameters only. */
export class SsmAdapter implements SecureStringPort {
  constructor(private readonly client: SSMClient) {}

  static create(options?: ClientOptions): SsmAdapter {
    return new SsmAdapter(sdkClient(SSMClient, options));
  }

  /**
   * The metadata of those of `names` that exist, from DescribeParameters filtered by the exact names.
   * The answer is read field by field: nothing of a value (moto sends one) is kept.
   */
  describeParameters(names: readonly string[]): Promise<ParameterMeta[]> {
    return call(SERVICE, "DescribeParameters", async () => {
      const found: ParameterMeta[] = [];
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const out = await this.client.send(
          new DescribeParametersCommand({
            ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [...names] }],
            MaxResults: 50,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
        found.push(...(out.Parameters ?? []).map(metaOf));
        token = out.NextToken;
        if (!token) return found;
      }
      throw new Error(`DescribeParameters answered more than ${MAX_PAGES} pages for ${names.length} names`);
    });
  }

  /**
   * Writes `value` as a SecureString under the account's `aws/ssm` key in the standard tier, replacing
   * any value there, and returns the parameter's new version. Naming the key and the tier on every write
   * means a parameter someone made in between keeps neither their key nor (AWS refuses to move an
   * advanced parameter back) their sharing. Writing the same value again leaves the same value (with a
   * new version number), so a retried write is harmless.
   */
  putSecureString(name: string, value: Redacted<string>, description?: string): Promise<number> {
    return call(SERVICE, "PutParameter", async () => {
      const out = await this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: value.reveal(),
          Type: "SecureString",
          KeyId: AWS_SSM_KEY_ALIAS,
          Tier: "Standard",
          DataType: "text",
          Overwrite: true,
          ...(description === undefined ? {} : { Description: description }),
        }),
      );
      return out.Version ?? 0;
    });
  }
}

function metaOf(p: ParameterMetadata): ParameterMeta {
  return {
    name: p.Name ?? "",
    type: p.Type ?? null,
    keyId: p.KeyId ?? null,
    tier: p.Tier ?? null,
    policyCount: p.Policies?.length ?? 0,
    hasAllowedPattern: (p.AllowedPattern ?? "") !== "",
    dataType: p.DataType ?? null,
  };
}
