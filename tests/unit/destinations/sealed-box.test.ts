import { blake2b } from "@noble/hashes/blake2.js";
import nacl from "tweetnacl";
import { describe, expect, it } from "vitest";
import { openSealedBox, sealBox } from "../../../shared/destinations/sealed-box";

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const text = (s: string) => new TextEncoder().encode(s);

/**
 * Sealed by libsodium 1.0.18 itself (`crypto_box_seal`, through Python's ctypes) for the key pair of
 * `crypto_box_seed_keypair` with the seed 00 01 02 … 1f: what GitHub's own libsodium produces and opens.
 */
const LIBSODIUM = {
  publicKey: hex("4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01"),
  secretKey: hex("3d94eea49c580aef816935762be049559d6d1440dede12e6a125f1841fff8e6f"),
  message: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  sealed: hex(
    "c780e454e5b9a53cbf2adddf2e2830097bf8b37ff701fc32bb5fd996c0190031c46a657810a2fd034faba2134a57abd1" +
      "fa90e68c3f6be89b15972552b6e4d08b4e83903a71878166bc1c8e2aabc6db7c8ac900485384c178",
  ),
};

/** Opens a sealed box with tweetnacl's `crypto_box_open`, an implementation independent of noble's. */
function openWithTweetnacl(sealed: Uint8Array, keys: nacl.BoxKeyPair): Uint8Array | null {
  const ephemeralPublicKey = sealed.subarray(0, 32);
  const nonce = blake2b.create({ dkLen: 24 }).update(ephemeralPublicKey).update(keys.publicKey).digest();
  return nacl.box.open(sealed.subarray(32), nonce, ephemeralPublicKey, keys.secretKey);
}

describe("openSealedBox", () => {
  it("opens what libsodium sealed", () => {
    // Prepare
    const { publicKey, secretKey, sealed, message } = LIBSODIUM;

    // Act
    const opened = openSealedBox(sealed, publicKey, secretKey);

    // Assess
    expect(new TextDecoder().decode(opened)).toBe(message);
  });

  it.each([
    ["the ephemeral public key", 5],
    ["the authentication tag", 40],
    ["the ciphertext", LIBSODIUM.sealed.length - 1],
  ])("refuses a box with a byte of %s changed", (_part, at) => {
    // Prepare
    const tampered = Uint8Array.from(LIBSODIUM.sealed);
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;

    // Act
    const open = () => openSealedBox(tampered, LIBSODIUM.publicKey, LIBSODIUM.secretKey);

    // Assess
    expect(open).toThrow();
  });

  it("refuses a box sealed for another key, and one too short to hold a tag", () => {
    // Prepare
    const other = nacl.box.keyPair();

    // Act
    const openedByOther = () => openSealedBox(LIBSODIUM.sealed, other.publicKey, other.secretKey);
    const openedShort = () =>
      openSealedBox(LIBSODIUM.sealed.subarray(0, 47), LIBSODIUM.publicKey, LIBSODIUM.secretKey);

    // Assess
    expect(openedByOther).toThrow();
    expect(openedShort).toThrow(/too short/);
  });
});

describe("sealBox", () => {
  it("seals what tweetnacl's crypto_box_open opens, with the nonce libsodium derives", () => {
    // Prepare
    const keys = nacl.box.keyPair();
    const message = text("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    // Act
    const sealed = sealBox(message, keys.publicKey);

    // Assess
    expect(sealed.length).toBe(32 + 16 + message.length);
    expect(openWithTweetnacl(sealed, keys)).toEqual(message);
    expect(openSealedBox(sealed, keys.publicKey, keys.secretKey)).toEqual(message);
  });

  it("seals with a new ephemeral key each time", () => {
    // Prepare
    const keys = nacl.box.keyPair();

    // Act
    const first = sealBox(text("same"), keys.publicKey);
    const second = sealBox(text("same"), keys.publicKey);

    // Assess
    expect(Buffer.from(first.subarray(0, 32)).equals(Buffer.from(second.subarray(0, 32)))).toBe(false);
    expect(openWithTweetnacl(second, keys)).toEqual(text("same"));
  });

  it("seals an empty message, and refuses a public key of the wrong length", () => {
    // Prepare
    const keys = nacl.box.keyPair();

    // Act
    const sealed = sealBox(new Uint8Array(0), keys.publicKey);
    const withShortKey = () => sealBox(text("x"), keys.publicKey.subarray(0, 31));

    // Assess
    expect(openWithTweetnacl(sealed, keys)).toEqual(new Uint8Array(0));
    expect(withShortKey).toThrow(/32 bytes/);
  });
});
