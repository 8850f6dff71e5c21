import { connect, createServer, type Server } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Certificate, selfSignedCertificate } from "../../../../scripts/lib/providers/certificate";
import {
  type SmtpServer,
  type SmtpServerOptions,
  startSmtpServer,
} from "../../../../scripts/lib/providers/smtp-server";
import { checkSmtpLogin, SmtpCheckError } from "../../../../shared/destinations/smtp/verify";
import { Redacted } from "../../../../shared/redacted";

const USER = "AKIAIOSFODNN7EXAMPLE";
const PASSWORD = "BBr9Wg1ejlhNnGBq+Sr4oEo6bfHfyVkyDQEeZ1vfsaSq";

let certificate: Certificate;
let other: Certificate;
let server: SmtpServer | undefined;
let silent: Server | undefined;

beforeAll(() => {
  certificate = selfSignedCertificate();
  other = selfSignedCertificate();
});

afterEach(async () => {
  await server?.close();
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  server = undefined;
  silent = undefined;
});

async function start(options: Partial<SmtpServerOptions> = {}): Promise<SmtpServer> {
  server = await startSmtpServer({
    certificate,
    passwordOf: (username) => (username === USER ? PASSWORD : undefined),
    ...options,
  });
  return server;
}

/** The check against the local server, its certificate trusted. */
const check = (s: SmtpServer, password = PASSWORD, ca = certificate.cert) =>
  checkSmtpLogin({ host: s.host, port: s.port }, USER, new Redacted(password), { timeoutMs: 5_000, ca });

async function failureOf(promise: Promise<unknown>): Promise<SmtpCheckError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SmtpCheckError)) throw new Error(`expected an SmtpCheckError, got ${String(error)}`);
  expect([error.message, String(error.cause ?? ""), error.stack].join("\n")).not.toContain(PASSWORD);
  return error;
}

describe("checkSmtpLogin", () => {
  it("answers accepted when the server takes the credentials over STARTTLS, and sends no mail", async () => {
    // Prepare
    const s = await start();

    // Act
    const outcome = await check(s);

    // Assess
    expect(outcome).toBe("accepted");
    expect(s.auths).toEqual([{ mechanism: "PLAIN", username: USER, accepted: true, overTls: true }]);
    expect(s.commands).toEqual(["EHLO keyrotor", "STARTTLS", "EHLO keyrotor", "AUTH PLAIN", "QUIT"]);
  });

  it("answers rejected when the server refuses the password with 535", async () => {
    // Prepare
    const s = await start();

    // Act
    const outcome = await check(s, "BOTHERPASSWORDOTHERPASSWORDOTHERPASSWORDxx");

    // Assess
    expect(outcome).toBe("rejected");
    expect(s.auths).toEqual([{ mechanism: "PLAIN", username: USER, accepted: false, overTls: true }]);
  });

  it("uses AUTH LOGIN when that is the only mechanism offered", async () => {
    // Prepare
    const s = await start({ mechanisms: ["LOGIN"] });

    // Act
    const [good, bad] = [await check(s), await check(s, "wrong-password")];

    // Assess
    expect([good, bad]).toEqual(["accepted", "rejected"]);
    expect(s.auths.map((a) => [a.mechanism, a.accepted, a.overTls])).toEqual([
      ["LOGIN", true, true],
      ["LOGIN", false, true],
    ]);
  });

  it("never sends the credentials to a server that offers no STARTTLS", async () => {
    // Prepare
    const s = await start({ offerStartTls: false });

    // Act
    const error = await failureOf(check(s));

    // Assess
    expect(error.message).toMatch(/no STARTTLS/);
    expect(s.auths).toEqual([]);
    expect(s.commands.some((c) => c.startsWith("AUTH"))).toBe(false);
  });

  it("refuses a server whose certificate is not of the trusted authority, before any AUTH", async () => {
    // Prepare
    const s = await start();

    // Act
    const error = await failureOf(check(s, PASSWORD, other.cert));

    // Assess
    expect(error.message).toMatch(/TLS with 127\.0\.0\.1:\d+ failed/);
    expect(s.auths).toEqual([]);
  });

  it("fails as a check that could not be made when the server is not available (421), or does not answer", async () => {
    // Prepare
    const s = await start();
    s.failNext("421 Service not available, closing transmission channel");
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent?.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;

    // Act
    const unavailable = await failureOf(check(s));
    const mute = await failureOf(
      checkSmtpLogin({ host: "127.0.0.1", port }, USER, new Redacted(PASSWORD), { timeoutMs: 300 }),
    );

    // Assess
    expect(unavailable.message).toMatch(/answered 421 to the connection/);
    expect(mute.message).toMatch(/did not answer in time/);
  });
});

describe("the local SMTP server", () => {
  it("refuses AUTH before STARTTLS with 530, as SES does", async () => {
    // Prepare
    const s = await start();
    const socket = connect({ host: s.host, port: s.port });
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString();
    });

    // Act
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(`EHLO test\r\nAUTH PLAIN ${Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64")}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();

    // Assess
    expect(text).toMatch(/^220 /);
    expect(text).toContain("250-STARTTLS");
    expect(text).not.toContain("AUTH PLAIN");
    expect(text).toContain("530 Must issue a STARTTLS command first");
    expect(s.auths).toEqual([]);
  });
});
