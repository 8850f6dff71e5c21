import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSignedCertificate } from "../../../../scripts/lib/providers/certificate";
import { type SmtpServer, startSmtpServer } from "../../../../scripts/lib/providers/smtp-server";
import type { SmtpDelivery } from "../../../../shared/destinations/smtp/binding";
import {
  type SmtpChecks,
  type SmtpLoginCheck,
  smtpWriter,
} from "../../../../shared/destinations/smtp/deliver";
import { smtpPassword } from "../../../../shared/destinations/smtp/derive";
import { checkSmtpLogin } from "../../../../shared/destinations/smtp/verify";
import type { DestinationWriter, KeyToDeliver } from "../../../../shared/destinations/types";
import { expectNothingShown, failureOf, KEY, SECRET } from "../../../support/destinations";

/** The password SES takes for the sample key in eu-west-1. */
const PASSWORD = smtpPassword(KEY.secretAccessKey, "eu-west-1").reveal();

let server: SmtpServer;
/** The password the local SES takes for the sample key id: the right one unless a test changes it. */
let accepted = PASSWORD;

beforeAll(async () => {
  server = await startSmtpServer({
    certificate: selfSignedCertificate(),
    passwordOf: (username) => (username === KEY.accessKeyId ? accepted : undefined),
  });
});
afterAll(() => server.close());

/** What the inner writer was given, its secret revealed. */
function recorder(): DestinationWriter & { readonly written: { accessKeyId: string; secret: string }[] } {
  const written: { accessKeyId: string; secret: string }[] = [];
  return {
    written,
    async deliver(key: KeyToDeliver) {
      written.push({ accessKeyId: key.accessKeyId, secret: key.secretAccessKey.reveal() });
    },
  };
}

const delivery = (verify: boolean, port = server.port): SmtpDelivery => ({
  region: "eu-west-1",
  verify,
  endpoint: { host: "127.0.0.1", port },
});
const check: SmtpLoginCheck = (endpoint, username, password) =>
  checkSmtpLogin(endpoint, username, password, { timeoutMs: 5_000 });

describe("smtpWriter", () => {
  it("writes the access key id and the Region's derived password instead of the secret, without a check when verify is off", async () => {
    // Prepare
    const inner = recorder();
    const before = server.auths.length;

    // Act
    await smtpWriter(delivery(false), inner, check, new Map()).deliver(KEY);

    // Assess
    expect(inner.written).toEqual([{ accessKeyId: KEY.accessKeyId, secret: PASSWORD }]);
    expect(inner.written[0]?.secret).not.toBe(SECRET);
    expect(server.auths.length).toBe(before);
  });

  it("with verify, logs in once per Region and key for all its destinations, then writes", async () => {
    // Prepare
    const [one, two] = [recorder(), recorder()];
    const checks: SmtpChecks = new Map();
    const before = server.auths.length;

    // Act
    await smtpWriter(delivery(true), one, check, checks).deliver(KEY);
    await smtpWriter(delivery(true), two, check, checks).deliver(KEY);

    // Assess
    expect(server.auths.slice(before)).toEqual([
      { mechanism: "PLAIN", username: KEY.accessKeyId, accepted: true, overTls: true },
    ]);
    expect([...one.written, ...two.written].map((w) => w.secret)).toEqual([PASSWORD, PASSWORD]);
  });

  it("writes nothing when SES refuses the credentials (535), and says so without the password or the secret", async () => {
    // Prepare
    accepted = "some-other-password";
    const inner = recorder();

    // Act
    const error = await failureOf(smtpWriter(delivery(true), inner, check, new Map()).deliver(KEY));
    accepted = PASSWORD;

    // Assess
    expect(error.failure).toBe("rejected");
    expect(error.message).toMatch(
      /SES SMTP in eu-west-1 refused the credentials of key AKIAIOSFODNN7EXAMPLE/,
    );
    expect(error.fix).toMatch(/ses:SendRawEmail in eu-west-1/);
    expect(inner.written).toEqual([]);
    expectNothingShown(error, [PASSWORD]);
  });

  it("writes nothing when the check cannot be made (unavailable, retried next run)", async () => {
    // Prepare
    const inner = recorder();
    const closed = await startSmtpServer({
      certificate: selfSignedCertificate(),
      passwordOf: () => undefined,
    });
    const port = closed.port;
    await closed.close();

    // Act
    const unreachable = await failureOf(
      smtpWriter(delivery(true, port), inner, check, new Map()).deliver(KEY),
    );
    const unchecked = await failureOf(smtpWriter(delivery(true), inner, undefined, new Map()).deliver(KEY));

    // Assess
    expect([unreachable.failure, unchecked.failure]).toEqual(["unavailable", "unavailable"]);
    expect(unreachable.message).toMatch(
      /SES SMTP login check in eu-west-1 could not be made \(could not talk to 127\.0\.0\.1:\d+\)/,
    );
    expect(inner.written).toEqual([]);
    expectNothingShown(unreachable, [PASSWORD]);
  });
});
