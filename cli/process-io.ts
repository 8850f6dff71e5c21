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
