import { DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import type { KeyLookupPort } from "../destinations/ssm";
import type { KeyIdentity } from "../destinations/ssm-trust";
import { Redacted } from "../redacted";
import type { EscrowCipher } from "../rotation/ports";
import { type ClientOptions, sdkClient } from "./client-config";
import { call, isAwsError } from "./errors";

const SERVICE = "KMS";

/**
 * KMS, for encrypting a value keyrotor must hold for a while (plaintexts arrive and leave `Redacted`),
 * and for telling which key an alias names.
 */
export class KmsAdapter implements EscrowCipher, KeyLookupPort {
  constructor(private readonly client: KMSClient) {}

  static create(options?: ClientOptions): KmsAdapter {
    return new KmsAdapter(sdkClient(KMSClient, options));
  }

  /** The ciphertext blob, base64, for a record or a queue message. */
  encrypt(keyId: string, plaintext: Redacted<string>, context: Record<string, string>): Promise<string> {
    return call(SERVICE, "Encrypt", async () => {
      const out = await this.client.send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: new TextEncoder().encode(plaintext.reveal()),
          EncryptionContext: context,
        }),
      );
      if (!out.CiphertextBlob) throw new Error(`Encrypt under ${keyId} returned no ciphertext`);
      return Buffer.from(out.CiphertextBlob).toString("base64");
    });
  }

  /**
   * The plaintext, if `ciphertextBase64` was made under `keyId` with exactly `context`. Naming the key
   * makes KMS refuse a ciphertext made under any other key, even one the caller may use.
   */
  decrypt(
    keyId: string,
    ciphertextBase64: string,
    context: Record<string, string>,
  ): Promise<Redacted<string>> {
    return call(SERVICE, "Decrypt", async () => {
      const out = await this.client.send(
        new DecryptCommand({
          KeyId: keyId,
          CiphertextBlob: Buffer.from(ciphertextBase64, "base64"),
          EncryptionContext: context,
        }),
      );
      if (!out.Plaintext) throw new Error(`Decrypt under ${keyId} returned no plaintext`);
      return new Redacted(new TextDecoder().decode(out.Plaintext));
    });
  }

  /** The id and ARN of the key `keyId` (an alias, an id or an ARN) names; `null` when it names none. */
  describeKey(keyId: string): Promise<KeyIdentity | null> {
    return call(SERVICE, "DescribeKey", async () => {
      try {
        const out = await this.client.send(new DescribeKeyCommand({ KeyId: keyId }));
        const meta = out.KeyMetadata;
        return meta?.KeyId && meta.Arn ? { keyId: meta.KeyId, arn: meta.Arn } : null;
      } catch (error) {
        if (isAwsError(error, "NotFound")) return null;
        throw error;
      }
    });
  }
}
