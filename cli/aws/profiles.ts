import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

type Env = Readonly<Record<string, string | undefined>>;

/** Every profile of the shared config and credentials files, by name, with its settings. */
export type Profiles = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** A `credential_process` that starts keyrotor's own credential-process command. */
const runsKeyrotor = (command: string) => /keyrotor/i.test(command) && /credential-process/.test(command);

function expandHome(path: string, env: Env): string {
  return path.startsWith("~/") ? join(env.HOME ?? homedir(), path.slice(2)) : path;
}

/** `[section]` -> settings of an INI text; `#` and `;` start comments. */
function parseIni(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = sections.get(header[1]) ?? {};
      sections.set(header[1], current);
      continue;
    }
    const at = line.indexOf("=");
    if (current && at > 0 && !/^\s/.test(raw)) current[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return sections;
}

function readIni(path: string): Map<string, Record<string, string>> {
  try {
    return parseIni(readFileSync(path, "utf8"));
  } catch {
    return new Map(); // a missing or unreadable file holds no profile, as for the AWS SDK
  }
}

/**
 * The profiles the AWS SDK would see: `~/.aws/credentials` sections and `~/.aws/config` `[default]`
 * and `[profile NAME]` sections (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE honoured).
 */
export function readProfiles(env: Env): Profiles {
  const home = env.HOME ?? homedir();
  const configPath = expandHome(env.AWS_CONFIG_FILE ?? join(home, ".aws", "config"), env);
  const credentialsPath = expandHome(
    env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials"),
    env,
  );
  const profiles = new Map<string, Record<string, string>>();
  for (const [section, settings] of readIni(configPath)) {
    const name = section === "default" ? "default" : /^profile\s+(.+)$/.exec(section)?.[1];
    if (name !== undefined) profiles.set(name, { ...profiles.get(name), ...settings });
  }
  for (const [name, settings] of readIni(credentialsPath)) {
    profiles.set(name, { ...profiles.get(name), ...settings });
  }
  return profiles;
}

/**
 * How `profile` would start keyrotor again while keyrotor resolves its credentials from it: the
 * profile (or the source_profile it leans on) whose credential_process runs keyrotor; `null` when
 * none does.
 */
export function keyrotorLoop(profile: string, profiles: Profiles): string | null {
  const seen = new Set<string>();
  let name: string | undefined = profile;
  while (name !== undefined && !seen.has(name)) {
    seen.add(name);
    const settings = profiles.get(name);
    const command = settings?.credential_process;
    if (command !== undefined && runsKeyrotor(command)) {
      const via = name === profile ? "" : ` (the source_profile of profile "${profile}")`;
      // The command line itself is not repeated: it may hold more than keyrotor's arguments.
      return `profile "${name}"${via} runs keyrotor credential-process as its credential_process`;
    }
    name = settings?.source_profile;
  }
  return null;
}
