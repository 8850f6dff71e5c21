import type { Redacted } from "../shared/redacted";
import { EnvironmentError } from "./errors";

/** An access key as `keyrotor pull` writes it: the secret is revealed only into the file's text. */
export interface StaticKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: Redacted<string>;
}

/** What setting a key into a profile of the credentials file comes to. */
export type KeyEdit =
  | { readonly kind: "unchanged" }
  | {
      readonly kind: "changed";
      readonly text: string;
      /** The access key id the profile held before, if any. */
      readonly previousKeyId?: string;
      /** Session settings taken out of the profile. */
      readonly removed: readonly string[];
    };

const ID = "aws_access_key_id";
const SECRET = "aws_secret_access_key";
/** A session's settings: the SDKs would send a stale token along with a long-term key, and be refused. */
const SESSION = ["aws_session_token", "aws_security_token"];
/** Settings by which a profile gets its credentials otherwise than from static keys. */
const OTHER_SOURCES = [
  "credential_process",
  "role_arn",
  "source_profile",
  "credential_source",
  "web_identity_token_file",
  "sso_session",
  "sso_start_url",
];

type Role =
  | { readonly kind: "header"; readonly name: string }
  | { readonly kind: "entry"; readonly key: string; readonly value: string }
  | { readonly kind: "continuation" }
  | { readonly kind: "other" };

interface Line {
  body: string;
  eol: string;
  readonly role: Role;
}

/**
 * The lines of an INI text, each with its terminator and role. As the AWS CLI's parser reads it: a
 * line indented deeper than the setting above it (blank and comment lines aside) continues that
 * setting's value; setting names are case-insensitive; `=` or `:` ends the name.
 */
function parse(text: string): Line[] {
  const lines: Line[] = [];
  let entryIndent: number | null = null;
  for (const raw of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const eol = raw.endsWith("\r\n") ? "\r\n" : raw.endsWith("\n") ? "\n" : "";
    const body = raw.slice(0, raw.length - eol.length);
    const trimmed = body.trim();
    const indent = body.length - body.trimStart().length;
    // An inline comment after a header is dropped, as the JavaScript SDK does.
    const header = /^\[(.*)\]$/.exec(trimmed.split(/\s[;#]/)[0]?.trim() ?? "");
    let role: Role = { kind: "other" };
    if (header?.[1] !== undefined) {
      role = { kind: "header", name: header[1] };
      entryIndent = null;
    } else if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) {
      role = { kind: "other" };
    } else if (entryIndent !== null && indent > entryIndent) {
      role = { kind: "continuation" };
    } else {
      const at = body.search(/[=:]/);
      if (at > 0) {
        role = {
          kind: "entry",
          key: body.slice(0, at).trim().toLowerCase(),
          value: body.slice(at + 1).trim(),
        };
      }
      entryIndent = at > 0 ? indent : null;
    }
    lines.push({ body, eol, role });
  }
  return lines;
}

/** Index ranges `[start, end)` of the sections named `name`, header included. */
function sectionsNamed(lines: readonly Line[], name: string): [number, number][] {
  const ranges: [number, number][] = [];
  lines.forEach((line, i) => {
    if (line.role.kind !== "header") return;
    const last = ranges.at(-1);
    if (last && last[1] === -1) last[1] = i;
    if (line.role.name === name) ranges.push([i, -1]);
  });
  const last = ranges.at(-1);
  if (last && last[1] === -1) last[1] = lines.length;
  return ranges;
}

/** The first setting of those sections that gets a profile its credentials otherwise than from static keys. */
function otherSourceIn(lines: readonly Line[], ranges: readonly [number, number][]): string | undefined {
  for (const [start, end] of ranges) {
    for (const { role } of lines.slice(start, end)) {
      if (role.kind === "entry" && OTHER_SOURCES.includes(role.key)) return role.key;
    }
  }
  return undefined;
}

/**
 * The first setting of section `[section]` of an INI text that gets a profile its credentials some
 * other way than static keys (credential_process, role_arn, source_profile, SSO, web identity);
 * `undefined` when it has none. Read the config file with `profile NAME`, the credentials file with `NAME`.
 */
export function otherCredentialSource(text: string, section: string): string | undefined {
  const lines = parse(text);
  return otherSourceIn(lines, sectionsNamed(lines, section));
}

/**
 * Why `name` cannot be a section of the credentials file, or `null` when it can. Its sections are
 * bare profile names: `[profile NAME]` is the config file's form.
 */
export function profileNameProblem(name: string): string | null {
  const bare = /^profile\s+(\S+)$/.exec(name)?.[1];
  if (bare !== undefined) {
    return `the credentials file names profiles bare: --profile ${bare}, not "${name}" ([profile NAME] is the config file's form)`;
  }
  if (name === "" || /[\s[\]\p{Cc}]/u.test(name) || /^[#;]/.test(name)) {
    return `profile name "${name.replace(/\p{Cc}/gu, "?")}" has white space, brackets, control characters or a leading # or ;, which the AWS SDKs read differently or not at all`;
  }
  // The JavaScript SDK refuses the whole file when a section has this name.
  if (name === "__proto__") return 'profile name "__proto__" is refused by the AWS SDK for JavaScript';
  return null;
}

/** Refuses a key that would not be one `name = value` line: the secret is never named. */
function checkKey(key: StaticKey): void {
  if (!/^\w{16,128}$/.test(key.accessKeyId)) {
    throw new EnvironmentError("the secret's AccessKeyId does not look like an access key id");
  }
  if (!/^[^\s#;\p{Cc}]+$/u.test(key.secretAccessKey.reveal())) {
    throw new EnvironmentError("the secret's SecretAccessKey does not look like a secret access key");
  }
}

/**
 * The credentials-file text with profile `[profile]` holding `key`: aws_access_key_id and
 * aws_secret_access_key set in place (or added after the section's last setting, or in a new section
 * at the end), aws_session_token and aws_security_token removed. Every other line is kept byte for
 * byte; new lines end as the file's do. `unchanged` when the profile already holds exactly that key.
 * @throws EnvironmentError when the profile gets its credentials some other way, is in the file twice,
 * or the key could not be written as one line.
 */
export function withStaticKey(text: string, profile: string, key: StaticKey): KeyEdit {
  checkKey(key);
  const lines = parse(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const wanted = new Map([
    [ID, key.accessKeyId],
    [SECRET, key.secretAccessKey.reveal()],
  ]);
  const sections = sectionsNamed(lines, profile);
  if (sections.length > 1) {
    throw new EnvironmentError(
      `the credentials file has [${profile}] ${sections.length} times, which the AWS CLI refuses: merge them`,
    );
  }
  const [range] = sections;
  if (range === undefined)
    return { kind: "changed", text: render(withSection(lines, profile, wanted, eol)), removed: [] };
  const other = otherSourceIn(lines, sections);
  if (other !== undefined) {
    throw new EnvironmentError(
      `profile ${profile} in the credentials file has ${other}: it gets its credentials that way, and ` +
        `keyrotor pull writes static keys only. Pick another --profile, or remove ${other} from it first`,
    );
  }
  const [start, end] = range;
  const previous = lines.slice(start, end).find((l) => l.role.kind === "entry" && l.role.key === ID);
  // Named in the output only when it looks like a key id: never echo what may be a misplaced secret.
  const previousKeyId =
    previous?.role.kind === "entry" && /^\w{16,128}$/.test(previous.role.value)
      ? previous.role.value
      : undefined;
  const edit = rewriteSection(lines.slice(start, end), wanted, eol);
  if (edit === null) return { kind: "unchanged" };
  return {
    kind: "changed",
    text: render([...lines.slice(0, start), ...edit.lines, ...lines.slice(end)]),
    ...(previousKeyId === undefined ? {} : { previousKeyId }),
    removed: edit.removed,
  };
}

function render(lines: readonly Line[]): string {
  return lines.map((l) => l.body + l.eol).join("");
}

/** A setting's new line: the old line's spelling of `name =` when it was already the canonical name. */
function settingLine(old: string | undefined, name: string, value: string): string {
  const prefix = old === undefined ? undefined : /^\s*(\S+?)\s*=\s*/.exec(old);
  return prefix?.[1] === name ? `${prefix[0]}${value}` : `${name} = ${value}`;
}

/** `lines` with a new section `[profile]` holding `settings` at the end, after a blank line. */
function withSection(lines: Line[], profile: string, settings: Map<string, string>, eol: string): Line[] {
  const last = lines.at(-1);
  if (last && last.eol === "") last.eol = eol;
  const gap: Line[] = last && last.body.trim() !== "" ? [{ body: "", eol, role: { kind: "other" } }] : [];
  const added = [
    `[${profile}]`,
    ...[...settings].map(([name, value]) => settingLine(undefined, name, value)),
  ];
  return [...lines, ...gap, ...added.map((body): Line => ({ body, eol, role: { kind: "other" } }))];
}

/**
 * The section's lines (header first) holding `settings`, without session settings, duplicates of
 * `settings`, or the continuation lines of what was replaced or removed; `null` when nothing changes.
 */
function rewriteSection(
  section: readonly Line[],
  settings: Map<string, string>,
  eol: string,
): { lines: Line[]; removed: string[] } | null {
  const kept: Line[] = [];
  const seen = new Set<string>();
  const removed = new Set<string>();
  let changed = false;
  // Whether continuation lines belong to a setting replaced or removed (comments and blank lines
  // between them do not end a value, for the AWS CLI's parser).
  let dropping = false;
  let afterLastSetting = 0;
  for (const line of section) {
    const { role } = line;
    if (role.kind === "continuation" && dropping) {
      changed = true;
      continue;
    }
    if (role.kind !== "entry") {
      kept.push(line);
      if (role.kind === "continuation" || kept.length === 1) afterLastSetting = kept.length - 1;
      continue;
    }
    const value = settings.get(role.key);
    dropping = value !== undefined || SESSION.includes(role.key);
    if (value !== undefined && !seen.has(role.key)) {
      seen.add(role.key);
      const body = settingLine(line.body, role.key, value);
      changed ||= body !== line.body;
      kept.push({ ...line, body });
    } else if (dropping) {
      if (SESSION.includes(role.key)) removed.add(role.key);
      changed = true;
      continue;
    } else kept.push(line);
    afterLastSetting = kept.length - 1;
  }
  const missing = [...settings].filter(([name]) => !seen.has(name));
  if (!changed && missing.length === 0) return null;
  const anchor = kept[afterLastSetting];
  if (anchor && anchor.eol === "") anchor.eol = eol;
  const added = missing.map(
    ([name, value]): Line => ({ body: settingLine(undefined, name, value), eol, role: { kind: "other" } }),
  );
  kept.splice(afterLastSetting + 1, 0, ...added);
  return { lines: kept, removed: [...removed] };
}
