import type { FakeAccount } from "../../scripts/lib/fake-account";
import { parseConfig } from "../../shared/config";
import { DeliveryError, type KeyToDeliver } from "../../shared/destinations/types";
import { KeyVerificationError } from "../../shared/errors";
import { Redacted } from "../../shared/redacted";
import type { EscrowCipher, KeyPorts, KeyVerifier, WriterSource } from "../../shared/rotation/ports";

/** What a fake destination received: the key id and the secret it was given (for assertions only). */
export interface Received {
  readonly destination: string;
  readonly accessKeyId: string;
  readonly secret: string;
}

/**
 * In-memory key ports for the use case's tests: a verifier that asks the fake account whether the key
 * exists, an escrow that only opens with the context it was sealed with, and destinations that record
 * what they receive or fail with the `DeliveryError` a test sets.
 */
export function fakeKeyPorts(account: FakeAccount) {
  const received: Received[] = [];
  const failing = new Map<string, DeliveryError>();
  let verifyFails = false;
  const escrowed: string[] = [];

  const verifier: KeyVerifier = {
    async verify(key, userArn) {
      const owner = [...account.users].find(([, u]) => u.keys.some((k) => k.id === key.id));
      if (verifyFails || !owner || owner[1].arn !== userArn) {
        throw new KeyVerificationError(`new key ${key.id} did not work as ${userArn} (InvalidClientTokenId)`);
      }
      return { at: account.clock(), region: "us-east-1" };
    },
  };
  const escrow: EscrowCipher = {
    async encrypt(kmsKeyId, plaintext, context) {
      const sealed = Buffer.from(JSON.stringify({ kmsKeyId, context, value: plaintext.reveal() })).toString(
        "base64",
      );
      escrowed.push(sealed);
      return sealed;
    },
    async decrypt(kmsKeyId, ciphertext, context) {
      const opened = JSON.parse(Buffer.from(ciphertext, "base64").toString()) as {
        kmsKeyId: string;
        context: Record<string, string>;
        value: string;
      };
      if (opened.kmsKeyId !== kmsKeyId || JSON.stringify(opened.context) !== JSON.stringify(context)) {
        throw new Error("InvalidCiphertextException");
      }
      return new Redacted(opened.value);
    },
  };
  const writers: WriterSource = {
    async writerFor(bound) {
      return {
        async deliver(key: KeyToDeliver) {
          const failure = failing.get(bound.label);
          if (failure) throw failure;
          received.push({
            destination: bound.label,
            accessKeyId: key.accessKeyId,
            secret: key.secretAccessKey.reveal(),
          });
        },
      };
    },
  };
  const ports: KeyPorts = { verifier, escrow, writers };
  return {
    ports,
    received,
    escrowed,
    /** Makes the destination (by label) fail until `recover`. */
    fail(
      label: string,
      failure = new DeliveryError(`${label} could not be written: HTTP 503`, "unavailable", "wait"),
    ) {
      failing.set(label, failure);
    },
    recover(label: string) {
      failing.delete(label);
    },
    failVerification(on = true) {
      verifyFails = on;
    },
  };
}

/** The destinations the delivery tests bind to `alice`, as notices and reports label them. */
export const GITHUB_LABEL = "GitHub Actions secrets of repository acme/app";
export const SSM_LABEL = "SSM parameters /keyrotor/ci/alice/*";

/** Enforce-mode settings that deliver `alice`'s keys in `accountId` to a GitHub repository and SSM. */
export function deliverySettings(accountId: string) {
  return parseConfig({
    mode: "enforce",
    senderEmail: "k@example.com",
    deliveryKmsKeyId: "alias/keyrotor-delivery",
    deliveries: [
      {
        account: accountId,
        user: "alice",
        destinations: [
          { type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" },
          { type: "ssm", path: "/keyrotor/ci/{userName}" },
        ],
      },
    ],
  });
}
