import { main } from "./main";

/** Where a command writes, and the environment it reads. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Record<string, string | undefined>;
  /** The caller's clock: the real one, or the simulated day of the demo and the tests that move moto's. */
  readonly now?: () => Date;
}

/** The process's own streams and environment. */
export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
  };
}

/** Runs one `keyrotor` command in-process and keeps what it prints, for the demo, the bench and the tests. */
export async function runCaptured(
  args: readonly string[],
  env: Record<string, string | undefined> = { ...process.env },
  now?: () => Date,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    env,
    ...(now ? { now } : {}),
  };
  const code = await main(args, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}
