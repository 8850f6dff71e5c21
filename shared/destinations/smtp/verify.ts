import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls, type TLSSocket } from "node:tls";
import type { Redacted } from "../../redacted";

/**
 * Whether an SES SMTP endpoint takes a user name and password: connect, EHLO, STARTTLS, EHLO again,
 * AUTH PLAIN (or LOGIN when that is all the server offers), QUIT. Never sends mail, and never sends
 * the credentials before TLS is up: a server that offers no STARTTLS is not given them.
 */

/** Where the check connects: the Region's SES endpoint on the STARTTLS submission port by default. */
export interface SmtpEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface SmtpCheckDeps {
  /** How long the whole exchange may take. */
  readonly timeoutMs: number;
  /**
   * The certificate authorities the server's certificate must chain to, PEM; the system's by default.
   * A server on this machine (127.0.0.1, localhost) is not asked for a certificate of a known
   * authority unless `ca` is given: the credentials never leave the machine.
   */
  readonly ca?: string;
}

export const DEFAULT_SMTP_CHECK_DEPS: SmtpCheckDeps = { timeoutMs: 15_000 };

/** `accepted`: the server answered 235; `rejected`: it answered 535 (the credentials are not good). */
export type SmtpAuthOutcome = "accepted" | "rejected";

/** The check could not be made (no connection, no TLS, an answer that is not SMTP's): it says nothing of the password. */
export class SmtpCheckError extends Error {
  override readonly name = "SmtpCheckError";
}

const LOOPBACK = /^(127\.0\.0\.1|localhost|::1)$/;

/** A server's reply: its code and its lines' text (a multi-line reply's lines joined). */
interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

/** Reads CRLF-terminated SMTP replies off a socket, one complete (possibly multi-line) reply at a time. */
class ReplyReader {
  #buffer = "";
  #lines: string[] = [];
  #waiting: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void } | undefined;
  #ready: SmtpReply[] = [];
  #failure: Error | undefined;

  attach(socket: Socket | TLSSocket): void {
    socket.on("data", (chunk: Buffer) => this.#take(chunk.toString("utf8")));
  }

  fail(error: Error): void {
    this.#failure ??= error;
    this.#waiting?.reject(this.#failure);
    this.#waiting = undefined;
  }

  next(): Promise<SmtpReply> {
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  #take(text: string): void {
    if (this.#failure) return;
    this.#buffer += text;
    // Far more than any reply of an EHLO or AUTH exchange: a server that talks on is not SMTP.
    if (this.#buffer.length > 64 * 1024) {
      this.fail(new SmtpCheckError("the SMTP server's reply is too long"));
      return;
    }
    let end = this.#buffer.indexOf("\r\n");
    while (end >= 0) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const match = /^(\d{3})([ -])(.*)$/.exec(line);
      if (!match) {
        this.fail(new SmtpCheckError("the server's answer is not an SMTP reply"));
        return;
      }
      this.#lines.push(match[3] ?? "");
      if (match[2] === " ") {
        const reply = { code: Number(match[1]), lines: this.#lines };
        this.#lines = [];
        if (this.#waiting) {
          this.#waiting.resolve(reply);
          this.#waiting = undefined;
        } else this.#ready.push(reply);
      }
      end = this.#buffer.indexOf("\r\n");
    }
  }
}

/**
 * Asks `endpoint` whether it takes `username` and `password` (SMTP AUTH over STARTTLS).
 * @throws SmtpCheckError when the check could not be made; its message never holds the password.
 */
export async function checkSmtpLogin(
  endpoint: SmtpEndpoint,
  username: string,
  password: Redacted<string>,
  deps: SmtpCheckDeps = DEFAULT_SMTP_CHECK_DEPS,
): Promise<SmtpAuthOutcome> {
  const sockets: Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const reader = new ReplyReader();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SmtpCheckError(`${endpoint.host}:${endpoint.port} did not answer in time`)),
      deps.timeoutMs,
    );
  });
  try {
    return await Promise.race([exchange(endpoint, username, password, deps, reader, sockets), timeout]);
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
  }
}

async function exchange(
  endpoint: SmtpEndpoint,
  username: string,
  password: Redacted<string>,
  deps: SmtpCheckDeps,
  reader: ReplyReader,
  sockets: Socket[],
): Promise<SmtpAuthOutcome> {
  const where = `${endpoint.host}:${endpoint.port}`;
  const plain = connectTcp({ host: endpoint.host, port: endpoint.port });
  sockets.push(plain);
  plain.on("error", (e) => reader.fail(new SmtpCheckError(`could not talk to ${where}`, { cause: e })));
  plain.on("close", () => reader.fail(new SmtpCheckError(`${where} closed the connection`)));
  reader.attach(plain);

  let socket: Socket = plain;
  const say = (line: string) => socket.write(`${line}\r\n`);
  const expect = async (code: number, step: string) => {
    const reply = await reader.next();
    // The server's own text is not repeated: it is not keyrotor's to show, and it is not needed.
    if (reply.code !== code) throw new SmtpCheckError(`${where} answered ${reply.code} to ${step}`);
    return reply;
  };

  await expect(220, "the connection");
  say("EHLO keyrotor");
  const hello = await expect(250, "EHLO");
  if (!hello.lines.some((l) => /^STARTTLS\b/i.test(l))) {
    throw new SmtpCheckError(`${where} offers no STARTTLS: the password is not sent in clear text`);
  }
  say("STARTTLS");
  await expect(220, "STARTTLS");

  const secure = connectTls({
    socket: plain,
    servername: LOOPBACK.test(endpoint.host) ? undefined : endpoint.host,
    ...(deps.ca !== undefined ? { ca: deps.ca } : {}),
    rejectUnauthorized: deps.ca !== undefined || !LOOPBACK.test(endpoint.host),
  });
  sockets.push(secure);
  plain.removeAllListeners("data");
  plain.removeAllListeners("close");
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    secure.on("error", (e) => {
      const failure = new SmtpCheckError(`TLS with ${where} failed`, { cause: e });
      reader.fail(failure);
      reject(failure);
    });
  });
  secure.on("close", () => reader.fail(new SmtpCheckError(`${where} closed the connection`)));
  reader.attach(secure);
  socket = secure;

  say("EHLO keyrotor");
  const secured = await expect(250, "EHLO");
  const auth =
    secured.lines
      .find((l) => /^AUTH\b/i.test(l))
      ?.toUpperCase()
      .split(/\s+/) ?? [];
  const user = Buffer.from(username, "utf8").toString("base64");
  const pass = (value: string) => Buffer.from(value, "utf8").toString("base64");
  let answer: SmtpReply;
  if (auth.includes("PLAIN")) {
    say(`AUTH PLAIN ${pass(`\0${username}\0${password.reveal()}`)}`);
    answer = await reader.next();
  } else if (auth.includes("LOGIN")) {
    say("AUTH LOGIN");
    await expect(334, "AUTH LOGIN");
    say(user);
    await expect(334, "the user name");
    say(pass(password.reveal()));
    answer = await reader.next();
  } else {
    throw new SmtpCheckError(`${where} offers neither AUTH PLAIN nor AUTH LOGIN`);
  }
  say("QUIT");
  await reader.next().catch(() => undefined);
  if (answer.code === 235) return "accepted";
  if (answer.code === 535) return "rejected";
  throw new SmtpCheckError(`${where} answered ${answer.code} to AUTH`);
}
