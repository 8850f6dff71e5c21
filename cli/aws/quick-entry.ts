import { credentialProcessOutput } from "../commands/credential-process";
import { EXIT, failureOf } from "../errors";
import { type Io, processIo } from "../process-io";
import { readProfiles } from "./profiles";
import { quickPlan, quickSecretValue, unreadableSecret } from "./quick-secret";
import { RESOLVING_MARK } from "./session";

/**
 * credential-process's own entry, bundled alone (bin/build-cli.mjs) and run by bin/keyrotor.mjs
 * before the full command: with static credentials, one signed GetSecretValue and nothing of the
 * command's parser, help, other commands or the AWS SDK loaded. Whatever it does not take for itself
 * (help, a usage error, SSO, a role, custom endpoints) it leaves to the full command by answering `null`.
 */

/** The options of a plain credential-process line. */
export interface QuickArguments {
  readonly secretId: string;
  readonly profile?: string;
  readonly region?: string;
}

const OPTIONS = { "--secret-id": "secretId", "--profile": "profile", "--region": "region" } as const;
type Flag = keyof typeof OPTIONS;
const isFlag = (text: string): text is Flag => Object.hasOwn(OPTIONS, text);

/**
 * `credential-process --secret-id ID [--profile NAME] [--region REGION]` (values separate or after
 * `=`), or `null` for any other line: the full parser words its errors and help.
 */
export function quickArguments(argv: readonly string[]): QuickArguments | null {
  if (argv[0] !== "credential-process") return null;
  const values: { secretId?: string; profile?: string; region?: string } = {};
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const at = arg.indexOf("=");
    const flag = at < 0 ? arg : arg.slice(0, at);
    if (!isFlag(flag)) return null;
    const value = at < 0 ? argv[++i] : arg.slice(at + 1);
    const key = OPTIONS[flag];
    if (value === undefined || value === "" || value.startsWith("-") || values[key] !== undefined)
      return null;
    values[key] = value;
  }
  const { secretId, profile, region } = values;
  if (secretId === undefined) return null;
  return {
    secretId,
    ...(profile === undefined ? {} : { profile }),
    ...(region === undefined ? {} : { region }),
  };
}

/**
 * Runs `argv` on the quick path: the exit code once the key (or the failure) is written, or `null`
 * when the line or the set-up is the full command's.
 */
export async function runQuickly(argv: readonly string[], io: Io): Promise<number | null> {
  const line = quickArguments(argv);
  // Started by itself: the full command says so.
  if (line === null || io.env[RESOLVING_MARK] !== undefined) return null;
  const request = {
    env: io.env,
    ...(line.profile === undefined ? {} : { profile: line.profile }),
    ...(line.region === undefined ? {} : { region: line.region }),
  };
  const plan = quickPlan(request, readProfiles(io.env));
  if (plan === null) return null;
  try {
    io.stdout(credentialProcessOutput(await quickSecretValue(line.secretId, plan), line.secretId));
    return EXIT.ok;
  } catch (error) {
    const { code, message } = failureOf(unreadableSecret(line.secretId, error));
    io.stderr(`keyrotor: ${message}`);
    return code;
  }
}

/**
 * `runQuickly` as this process, for bin/keyrotor.mjs: `true` once it has answered (its exit code
 * set), `false` when the full command must run the line.
 */
export async function runQuicklyAsProcess(argv: readonly string[]): Promise<boolean> {
  const code = await runQuickly(argv, processIo());
  if (code === null) return false;
  process.exitCode = code;
  return true;
}
