import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FAKETIME_LIBS = [
  "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
  "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
  "/usr/lib/faketime/libfaketimeMT.so.1",
];

/** libfaketime's multi-threaded library, or a clear instruction to install it. */
export function faketimeLibrary(): string {
  const found = FAKETIME_LIBS.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      "libfaketime is not installed: run `apt-get install libfaketime` (the e2e tests move moto's clock)",
    );
  }
  return found;
}

/**
 * What is missing to run moto with a movable clock, each with the command that installs it; empty
 * when everything is there.
 */
export function motoPrerequisites(): string[] {
  const missing: string[] = [];
  const python = spawnSync("python3", ["-c", "import moto.server"], { stdio: "ignore" });
  if (python.error)
    missing.push("python3 is not on PATH: install it (Debian: apt-get install python3 python3-pip)");
  else if (python.status !== 0)
    missing.push("moto's server is not installed for python3: pip install 'moto[server]'");
  if (!FAKETIME_LIBS.some((p) => existsSync(p)))
    missing.push("libfaketime is not installed: apt-get install libfaketime");
  return missing;
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Moto {
  readonly endpoint: string;
  /** Moves moto's clock to `days` after the real now (libfaketime offset). */
  setClockOffsetDays(days: number): void;
  /** The instant moto currently believes it is: what a run at the current offset uses as `now`. */
  now(): Date;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `python3 -m moto.server` on a free loopback port with a movable clock; waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-moto-"));
  const clockFile = join(dir, "faketime");
  let offsetDays = 0;
  writeFileSync(clockFile, "+0d\n");
  const child: ChildProcess = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    env: {
      ...process.env,
      LD_PRELOAD: faketimeLibrary(),
      FAKETIME_TIMESTAMP_FILE: clockFile,
      FAKETIME_NO_CACHE: "1",
      MOTO_ALLOW_NONEXISTENT_REGION: "true",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto server exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    setClockOffsetDays(days: number) {
      offsetDays = days;
      writeFileSync(clockFile, `+${days}d\n`);
    },
    // The real wall clock (performance's, which a test faking `Date` leaves alone) plus moto's offset.
    now: () => new Date(performance.timeOrigin + performance.now() + offsetDays * 86_400_000),
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Static credentials for moto's default account; moto accepts any. */
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
