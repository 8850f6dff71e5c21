import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readFile, realpath, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { describeError } from "../../shared/errors";
import { Redacted } from "../../shared/redacted";
import { commandUsage, type ValuesOf } from "../args";
import {
  otherCredentialSource,
  profileNameProblem,
  type StaticKey,
  withStaticKey,
} from "../credentials-file";
import { EnvironmentError, EXIT, UsageError } from "../errors";
import type { Io } from "../process-io";
import type { CliServices } from "../services";
import type { CommandContext } from "./context";
import { credentialProcessOutput } from "./credential-process";
import { PULL } from "./specs";

type Env = Io["env"];
type Values = ValuesOf<typeof PULL.options>;

/**
 * `keyrotor pull`: the key a keyrotor secret holds now, written as the static key of a profile of the
 * shared credentials file, for tools that cannot run a `credential_process`. Writes nothing when the
 * profile holds that key already. Prints the access key id, never the secret access key.
 */
export async function run(values: Values, { io, services }: CommandContext): Promise<number> {
  const secretId = values["secret-id"] ?? "";
  const profile = values.profile ?? "";
  const problem = profileNameProblem(profile);
  if (problem !== null) throw new UsageError(problem, commandUsage(PULL));
  const paths = sharedFiles(io.env);
  // Refused before AWS is asked: the key would be overridden by, or mixed with, the other source.
  for (const [path, sections] of [
    [paths.credentials, [profile]],
    [paths.config, profile === "default" ? ["default", "profile default"] : [`profile ${profile}`]],
  ] as const) {
    const text = (await readText(path)) ?? "";
    const other = sections.map((s) => otherCredentialSource(text, s)).find((s) => s !== undefined);
    if (other !== undefined) {
      throw new EnvironmentError(
        `profile ${profile} has ${other} in ${path}: it gets its credentials that way, and keyrotor pull ` +
          `writes static keys only. Pick another --profile, or remove ${other} from it first`,
      );
    }
  }
  const key = await readKey(secretId, values, io.env, services);
  const before = await readText(paths.credentials);
  const edit = withStaticKey(before ?? "", profile, key);
  const held = `key ${key.accessKeyId} of secret ${secretId} in ${paths.credentials}`;
  if (edit.kind === "unchanged") {
    io.stdout(`profile ${profile} already holds ${held}`);
    return EXIT.ok;
  }
  await writeAtomically(paths.credentials, edit.text);
  const notes = [
    ...(before === undefined ? ["a new file"] : []),
    ...(edit.previousKeyId !== undefined && edit.previousKeyId !== key.accessKeyId
      ? [`was ${edit.previousKeyId}`]
      : []),
    ...edit.removed.map((setting) => `${setting} removed`),
  ];
  io.stdout(`profile ${profile} now holds ${held}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`);
  return EXIT.ok;
}

/** The shared credentials and config files, where the AWS SDKs look for them. */
function sharedFiles(env: Env): { credentials: string; config: string } {
  const home = env.HOME || homedir();
  const at = (path: string) => resolve(path.startsWith("~/") ? join(home, path.slice(2)) : path);
  return {
    credentials: at(env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials")),
    config: at(env.AWS_CONFIG_FILE || join(home, ".aws", "config")),
  };
}

/** The key the secret holds, read with the caller's credentials as credential-process reads it. */
async function readKey(
  secretId: string,
  values: Values,
  env: Env,
  services: CliServices,
): Promise<StaticKey> {
  let value: Redacted<string>;
  try {
    value = await services.secretValue(secretId, {
      profile: values["source-profile"] ?? (env.AWS_PROFILE || undefined),
      region: values.region,
      env,
    });
  } catch (error) {
    // Its messages name credential-process's --profile, which pull calls --source-profile.
    if (!(error instanceof EnvironmentError) || !error.message.includes("--profile")) throw error;
    throw new EnvironmentError(error.message.replaceAll("--profile", "--source-profile"), { cause: error });
  }
  const parsed = JSON.parse(credentialProcessOutput(value, secretId)) as Record<string, string>;
  return {
    accessKeyId: parsed.AccessKeyId ?? "",
    secretAccessKey: new Redacted(parsed.SecretAccessKey ?? ""),
  };
}

/** The file's text, or `undefined` when there is no such file (nor, maybe, its directory). */
async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new EnvironmentError(`cannot read ${path}: ${describeError(error).message}`, { cause: error });
  }
}

/**
 * Replaces the file (the one a symbolic link points at) in one step, so that a reader sees the old
 * text or the new one, never half of it: a temporary file in the same directory, mode 0600, renamed
 * over it. Missing directories are made with mode 0700.
 */
async function writeAtomically(path: string, text: string): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const temp = join(dirname(target), `.${basename(target)}.keyrotor-${randomBytes(6).toString("hex")}`);
  let handle: FileHandle | undefined;
  try {
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    handle = await open(temp, "wx", 0o600);
    await handle.chmod(0o600); // whatever the umask
    await handle.writeFile(text, "utf8");
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw new EnvironmentError(`cannot write ${target}: ${describeError(error).message}`, { cause: error });
  }
}
