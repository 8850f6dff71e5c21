import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as channelWebhook from "../../shared/channels/webhook";
import {
  DELIVERY_HEADER,
  MIN_SIGNING_KEY_LENGTH,
  SIGNATURE_HEADER,
  signedHeaders,
  TIMESTAMP_HEADER,
  verifySignature,
} from "../../shared/webhook-signature";

const KEY = "k".repeat(MIN_SIGNING_KEY_LENGTH);
const BODY = '{"type":"keyrotor.key","userName":"ci"}';

describe("webhook signature: one scheme for channels and destinations", () => {
  it("signs in whole seconds, with the HMAC-SHA256 of timestamp.body and the delivery id", () => {
    // Act
    const headers = signedHeaders(KEY, BODY, 1_800_000_000.75, "event-1");

    // Assess
    const expected = createHmac("sha256", KEY).update(`1800000000.${BODY}`).digest("hex");
    expect(headers).toEqual({
      [TIMESTAMP_HEADER]: "1800000000",
      [SIGNATURE_HEADER]: `v1=${expected}`,
      [DELIVERY_HEADER]: "event-1",
    });
    expect(
      verifySignature(
        KEY,
        { timestamp: headers[TIMESTAMP_HEADER], signature: headers[SIGNATURE_HEADER] },
        BODY,
        1_800_000_001,
      ),
    ).toBe("ok");
  });

  it("is the very code the webhook channel signs and verifies with", () => {
    // Assess
    expect(channelWebhook.verifySignature).toBe(verifySignature);
    expect(channelWebhook.SIGNATURE_HEADER).toBe(SIGNATURE_HEADER);
  });
});
