import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { u32 } from "@noble/ciphers/utils.js";
import { x25519 } from "@noble/curves/ed25519.js";
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

/** crypto_box_beforenm: the X25519 shared secret, hashed by HSalsa20 (zero input) into the box key. */
function boxKey(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  // Copied into a buffer of its own: HSalsa20 reads it as 32-bit words, which need an aligned offset.
  const shared = new Uint32Array(KEY_BYTES / 4);
  const sharedBytes = new Uint8Array(shared.buffer);
  const secret = x25519.getSharedSecret(secretKey, publicKey);
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
  const ephemeralSecretKey = x25519.utils.randomSecretKey();
  const ephemeralPublicKey = x25519.getPublicKey(ephemeralSecretKey);
  const key = boxKey(recipientPublicKey, ephemeralSecretKey);
  // The ephemeral secret key is dropped here: not even the sender can open what it sealed.
  ephemeralSecretKey.fill(0);
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
  const key = boxKey(ephemeralPublicKey, recipientSecretKey);
  try {
    return xsalsa20poly1305(key, sealNonce(ephemeralPublicKey, recipientPublicKey)).decrypt(
      sealed.subarray(KEY_BYTES),
    );
  } finally {
    key.fill(0);
  }
}
