import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { u32 } from "@noble/ciphers/utils.js";
import { blake2b } from "@noble/hashes/blake2.js";

/**
 * libsodium's sealed box (`crypto_box_seal`), the only form in which GitHub accepts a secret's value:
 * anyone holding the recipient's public key can seal, only the holder of its secret key can open.
 *
 * sealed = ephemeral public key (32) || crypto_box(message, nonce, recipient public key, ephemeral secret key)
 * nonce  = BLAKE2b-192(ephemeral public key || recipient public key)
 */

const KEY_BYTES = 32;
const TAG_BYTES = 16;

/** HSalsa20's constant, "expand 32-byte k" read as four 32-bit words. */
const SIGMA = /* @__PURE__ */ u32(new TextEncoder().encode("expand 32-byte k"));

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** A raw X25519 public key as Node's key object (X25519 itself is Node's, from OpenSSL). */
function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: base64url(publicKey) }, format: "jwk" });
}

/** A raw X25519 key pair's secret half as Node's key object. */
function privateKeyObject(publicKey: Uint8Array, secretKey: Uint8Array): KeyObject {
  return createPrivateKey({
    key: { kty: "OKP", crv: "X25519", x: base64url(publicKey), d: base64url(secretKey) },
    format: "jwk",
  });
}

/** crypto_box_beforenm: the X25519 shared secret, hashed by HSalsa20 (zero input) into the box key. */
function boxKey(publicKey: Uint8Array, secretKey: KeyObject): Uint8Array {
  // Copied into a buffer of its own: HSalsa20 reads it as 32-bit words, which need an aligned offset.
  const shared = new Uint32Array(KEY_BYTES / 4);
  const sharedBytes = new Uint8Array(shared.buffer);
  const secret = diffieHellman({ privateKey: secretKey, publicKey: publicKeyObject(publicKey) });
  sharedBytes.set(secret);
  secret.fill(0);
  const key = new Uint32Array(KEY_BYTES / 4);
  hsalsa(SIGMA, shared, new Uint32Array(4), key);
  sharedBytes.fill(0);
  return new Uint8Array(key.buffer);
}

function sealNonce(ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  return blake2b.create({ dkLen: 24 }).update(ephemeralPublicKey).update(recipientPublicKey).digest();
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== KEY_BYTES) throw new Error(`${what} must be ${KEY_BYTES} bytes, not ${key.length}`);
}

/** Seals `message` for `recipientPublicKey` (an X25519 public key), as libsodium's `crypto_box_seal`. */
export function sealBox(message: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  checkKey(recipientPublicKey, "the recipient's public key");
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralPublicKey = Buffer.from(ephemeral.publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  // The ephemeral secret key goes out of scope here: not even the sender can open what it sealed.
  const key = boxKey(recipientPublicKey, ephemeral.privateKey);
  const box = xsalsa20poly1305(key, sealNonce(ephemeralPublicKey, recipientPublicKey)).encrypt(message);
  key.fill(0);
  const sealed = new Uint8Array(KEY_BYTES + box.length);
  sealed.set(ephemeralPublicKey);
  sealed.set(box, KEY_BYTES);
  return sealed;
}

/**
 * Opens a sealed box with the recipient's key pair, as libsodium's `crypto_box_seal_open`.
 * Throws when the box was altered or sealed for another key.
 */
export function openSealedBox(
  sealed: Uint8Array,
  recipientPublicKey: Uint8Array,
  recipientSecretKey: Uint8Array,
): Uint8Array {
  checkKey(recipientPublicKey, "the recipient's public key");
  checkKey(recipientSecretKey, "the recipient's secret key");
  if (sealed.length < KEY_BYTES + TAG_BYTES) throw new Error("the sealed box is too short");
  const ephemeralPublicKey = sealed.subarray(0, KEY_BYTES);
  const key = boxKey(ephemeralPublicKey, privateKeyObject(recipientPublicKey, recipientSecretKey));
  try {
    return xsalsa20poly1305(key, sealNonce(ephemeralPublicKey, recipientPublicKey)).decrypt(
      sealed.subarray(KEY_BYTES),
    );
  } finally {
    key.fill(0);
  }
}
