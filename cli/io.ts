import type { Io } from "./main";

/** The process's own streams and environment. */
export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
  };
}

/** An `Io` that keeps what a command prints, for the demo and the tests. */
export function captureIo(env: Record<string, string | undefined> = { ...process.env }) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { stdout: (text) => void out.push(text), stderr: (text) => void err.push(text), env };
  return {
    io,
    stdout: () => out.join("\n"),
    stderr: () => err.join("\n"),
  };
}
