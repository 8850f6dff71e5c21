import { main } from "./main";
import { type Io, processIo } from "./process-io";

export { type Io, processIo };

/**
 * Runs one `keyrotor` command line as this process: its exit code set, the process ended once the
 * output is written, even if something the command gave up on keeps it alive (a credential_process
 * the SDK started, which the deadline stopped waiting for).
 */
export async function runAsProcess(argv: readonly string[]): Promise<void> {
  process.exitCode = await main(argv, processIo());
  const exitWhenWritten = () => {
    if (process.stdout.writableLength + process.stderr.writableLength === 0) process.exit();
    else setTimeout(exitWhenWritten, 50).unref();
  };
  // Unreferenced: a process with nothing left running ends at once, without waiting for it.
  setTimeout(exitWhenWritten, 1_000).unref();
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
