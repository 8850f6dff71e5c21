import { createHmac } from "node:crypto";
import { Redacted } from "../../redacted";

/**
 * The Regions whose SES has an SMTP endpoint (`email-smtp.<region>.amazonaws.com`), as AWS lists
 * them for the SMTP password conversion. An SMTP password is bound to its Region: one derived for a
 * Region without an endpoint would never authenticate anywhere.
 */
export const SMTP_REGIONS = [
  "us-east-2",
  "us-east-1",
  "us-west-2",
  "ap-south-1",
  "ap-northeast-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-south-1",
  "eu-north-1",
  "sa-east-1",
  "us-gov-west-1",
  "us-gov-east-1",
] as const;

export type SmtpRegion = (typeof SMTP_REGIONS)[number];

export function isSmtpRegion(region: string): region is SmtpRegion {
  return (SMTP_REGIONS as readonly string[]).includes(region);
}

/** The SES SMTP host of a Region. */
export const smtpHost = (region: SmtpRegion) => `email-smtp.${region}.amazonaws.com`;

/** A Region SES has no SMTP endpoint in: no password derived for it could ever be used. */
export class SmtpRegionError extends Error {
  override readonly name = "SmtpRegionError";
  constructor(readonly region: string) {
    super(`SES has no SMTP endpoint in ${region} (it has one in ${SMTP_REGIONS.join(", ")})`);
  }
}

// The fixed inputs of AWS's conversion: a SigV4 signing key for SendRawEmail on a constant date.
const DATE = "11111111";
const SERVICE = "ses";
const TERMINAL = "aws4_request";
const MESSAGE = "SendRawEmail";
const VERSION = 0x04;

const sign = (key: Buffer, message: string) => createHmac("sha256", key).update(message, "utf8").digest();

/**
 * The SES SMTP password of a secret access key in `region` (the user name is the access key id):
 * HMAC-SHA256 chained over the date, the Region, `ses`, `aws4_request` and `SendRawEmail`, behind
 * a version byte, in base64. Redacted like the key it comes from: it sends mail as the user.
 */
export function smtpPassword(secretAccessKey: Redacted<string>, region: string): Redacted<string> {
  if (!isSmtpRegion(region)) throw new SmtpRegionError(region);
  let signature = sign(Buffer.from(`AWS4${secretAccessKey.reveal()}`, "utf8"), DATE);
  for (const part of [region, SERVICE, TERMINAL, MESSAGE]) signature = sign(signature, part);
  return new Redacted(Buffer.concat([Buffer.from([VERSION]), signature]).toString("base64"));
}
