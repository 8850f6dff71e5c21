import { createServer, type Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { Certificate } from "./certificate";

/**
 * A local stand-in for an SES SMTP endpoint, only what keyrotor's check of a password does: the
 * greeting, EHLO, STARTTLS (RFC 3207) and AUTH PLAIN / AUTH LOGIN (RFC 4954). It answers as SES
 * documents: AUTH is offered only once TLS is up (an AUTH before STARTTLS gets `530 Must issue a
 * STARTTLS command first`), good credentials get `235 Authentication successful`, any other
 * `535 Authentication Credentials Invalid`. Mail commands are recorded and refused (a check never
 * sends mail, and a test asserts it tried none).
 */

/** One AUTH attempt as the server saw it (never the password). */
export interface AuthAttempt {
  readonly mechanism: "PLAIN" | "LOGIN";
  readonly username: string;
  readonly accepted: boolean;
  /** Whether the connection was encrypted when the credentials came. */
  readonly overTls: boolean;
}

export interface SmtpServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Every AUTH attempt, in order. */
  readonly auths: AuthAttempt[];
  /** Every command line received (AUTH's credentials left out), in order. */
  readonly commands: string[];
  /** The next connection is greeted with this reply instead (e.g. `421 Service not available`); calls queue up. */
  failNext(reply: string): void;
  close(): Promise<void>;
}

export interface SmtpServerOptions {
  readonly certificate: Certificate;
  /** The password the server accepts for a user name, or `undefined`: SES's own check of a key's SMTP password. */
  readonly passwordOf: (username: string) => string | undefined | Promise<string | undefined>;
  /** Whether STARTTLS is offered (SES always offers it; off only to test a client that refuses to go on without). */
  readonly offerStartTls?: boolean;
  /** The AUTH mechanisms offered once TLS is up: PLAIN and LOGIN, as SES offers, by default. */
  readonly mechanisms?: readonly AuthAttempt["mechanism"][];
}

const NAME = "email-smtp.amazonaws.com";

/** Starts the server on 127.0.0.1, a free port. */
export async function startSmtpServer(options: SmtpServerOptions): Promise<SmtpServer> {
  const auths: AuthAttempt[] = [];
  const commands: string[] = [];
  const greetings: string[] = [];
  const sockets = new Set<Socket>();
  const offerStartTls = options.offerStartTls ?? true;
  const mechanisms = options.mechanisms ?? ["PLAIN", "LOGIN"];

  const server = createServer((raw) => {
    sockets.add(raw);
    raw.on("close", () => sockets.delete(raw));
    raw.on("error", () => raw.destroy());
    let socket: Socket | TLSSocket = raw;
    let tls = false;
    let greeted = false;
    let buffer = "";
    /** What the next line answers: a command, or a step of an AUTH exchange. */
    let pending: ((line: string) => Promise<void>) | undefined;

    const send = (line: string) => socket.write(`${line}\r\n`);
    const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
    const check = async (mechanism: AuthAttempt["mechanism"], username: string, password: string) => {
      const expected = await options.passwordOf(username);
      const accepted = expected !== undefined && expected === password;
      auths.push({ mechanism, username, accepted, overTls: tls });
      send(accepted ? "235 Authentication successful." : "535 Authentication Credentials Invalid");
    };

    const command = async (line: string) => {
      const [verb = "", ...rest] = line.split(" ");
      const upper = verb.toUpperCase();
      commands.push(upper === "AUTH" ? `AUTH ${rest[0] ?? ""}` : line);
      switch (upper) {
        case "EHLO": {
          greeted = true;
          const extensions = tls ? [`AUTH ${mechanisms.join(" ")}`] : offerStartTls ? ["STARTTLS"] : [];
          const lines = [NAME, "8BITMIME", "SIZE 10485760", ...extensions, "Ok"];
          for (const [i, l] of lines.entries()) send(`250${i === lines.length - 1 ? " " : "-"}${l}`);
          return;
        }
        case "STARTTLS": {
          if (tls || !offerStartTls) return void send("503 Bad sequence of commands");
          send("220 Ready to start TLS");
          raw.removeAllListeners("data");
          const secure = new TLSSocket(raw, {
            isServer: true,
            key: options.certificate.key,
            cert: options.certificate.cert,
          });
          secure.on("error", () => raw.destroy());
          secure.on("data", onData);
          socket = secure;
          tls = true;
          greeted = false;
          buffer = "";
          return;
        }
        case "AUTH": {
          if (!tls) return void send("530 Must issue a STARTTLS command first");
          if (!greeted) return void send("503 Bad sequence of commands");
          const mechanism = (rest[0] ?? "").toUpperCase();
          if (!(mechanisms as readonly string[]).includes(mechanism)) {
            return void send("504 Unrecognized authentication type");
          }
          if (mechanism === "PLAIN") {
            const plain = async (b64: string) => {
              const [, username = "", password = ""] = decode(b64).split("\0");
              await check("PLAIN", username, password);
            };
            if (rest[1]) return plain(rest[1]);
            send("334 ");
            pending = plain;
            return;
          }
          if (mechanism === "LOGIN") {
            send("334 VXNlcm5hbWU6");
            pending = async (user) => {
              send("334 UGFzc3dvcmQ6");
              pending = (pass) => check("LOGIN", decode(user), decode(pass));
            };
            return;
          }
          return void send("504 Unrecognized authentication type");
        }
        case "QUIT":
          send("221 Bye");
          socket.end();
          return;
        case "NOOP":
        case "RSET":
          return void send("250 Ok");
        default:
          return void send("502 Command not implemented");
      }
    };

    let queue = Promise.resolve();
    function onData(chunk: Buffer) {
      buffer += chunk.toString("utf8");
      let end = buffer.indexOf("\r\n");
      while (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        queue = queue.then(() => {
          const step = pending ?? command;
          pending = undefined;
          return step(line);
        });
        // A STARTTLS switches the socket: the rest arrives encrypted, through the TLS socket.
        if (/^STARTTLS$/i.test(line)) break;
        end = buffer.indexOf("\r\n");
      }
    }

    raw.on("data", onData);
    const failure = greetings.shift();
    if (failure) {
      send(failure);
      raw.end();
      return;
    }
    send(`220 ${NAME} ESMTP SimpleEmailService-local`);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the SMTP server has no port");
  return {
    host: "127.0.0.1",
    port: address.port,
    auths,
    commands,
    failNext: (reply) => void greetings.push(reply),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
