import { execFileSync } from "node:child_process";

/**
 * AWS's published conversion of a secret access key to an SES SMTP password, run by Python's own
 * hmac, hashlib and base64: an implementation that shares no code with keyrotor's. Reads
 * `key<TAB>region` lines on stdin, prints one password a line.
 */
const PYTHON = `
import base64, hashlib, hmac, sys
def sign(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()
for line in sys.stdin.read().splitlines():
    secret, region = line.split("\\t")
    s = sign(("AWS4" + secret).encode("utf-8"), "11111111")
    for part in (region, "ses", "aws4_request", "SendRawEmail"):
        s = sign(s, part)
    print(base64.b64encode(bytes([0x04]) + s).decode("utf-8"))
`;

/** The SMTP passwords of `[secret, region]` pairs, as Python derives them. */
export function pythonSmtpPasswords(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const input = pairs.map(([secret, region]) => `${secret}\t${region}`).join("\n");
  return execFileSync("python3", ["-c", PYTHON], { input, encoding: "utf8" }).trim().split("\n");
}

/** One key's SMTP password in `region`, as Python derives it. */
export const pythonSmtpPassword = (secret: string, region: string): string =>
  pythonSmtpPasswords([[secret, region]])[0] ?? "";
