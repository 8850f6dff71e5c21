import { UsageError } from "./errors";

/** One `--name` option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** How the value is shown in the usage (`FILE`); defaults to the choices joined by `|`. */
  readonly value?: string;
  readonly choices?: readonly string[];
  readonly required?: boolean;
  /** Also given bare, in the order such options are declared (`config diff OLD NEW`). */
  readonly positional?: boolean;
  readonly short?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** A command's name, usage text and options: everything the parser and the help need. */
export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  readonly summary: string;
  /** Paragraphs shown after the options in the command's help. */
  readonly notes?: readonly string[];
  readonly options: O;
}

/** The values a command's options were given: strings, or `true` for boolean options. */
export type ValuesOf<O extends OptionSpecs> = {
  readonly [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string;
};

export type ParsedLine =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "version" }
  | {
      readonly kind: "command";
      readonly command: CommandSpec;
      readonly values: Record<string, string | true>;
    };

export const HELP_OPTION = {
  type: "boolean",
  short: "h",
  description: "Show this help.",
} as const satisfies OptionSpec;

const EXIT_CODES =
  "Exit codes: 0 success; 1 some account, user or notice failed, or an AWS call failed;\n" +
  "2 usage, configuration or environment error (bad option or setting, no credentials, no region).";

function optionLines(options: OptionSpecs): string[] {
  const left = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}`;
    const value = spec.type === "string" ? ` ${spec.value ?? spec.choices?.join("|") ?? "VALUE"}` : "";
    return `${flag}${value}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 3;
  return Object.values(options).map((spec, i) => `  ${(left[i] ?? "").padEnd(width)}${spec.description}`);
}

/** `keyrotor <command> --help`. */
export function commandUsage(spec: CommandSpec): string {
  const required = Object.entries(spec.options)
    .filter(([, o]) => o.required)
    .map(([name, o]) =>
      o.positional ? ` ${o.value ?? name.toUpperCase()}` : ` --${name} ${o.value ?? "VALUE"}`,
    )
    .join("");
  return [
    `Usage: keyrotor ${spec.name}${required} [options]`,
    "",
    spec.summary,
    "",
    "Options:",
    ...optionLines(spec.options),
    ...(spec.notes ?? []).flatMap((note) => ["", note]),
    "",
    EXIT_CODES,
  ].join("\n");
}

/** `keyrotor --help`. */
export function globalUsage(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 3;
  return [
    "Usage: keyrotor <command> [options]",
    "",
    "Rotates the IAM user access keys of every account in an AWS Organization.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary.split("\n")[0]}`),
    "",
    "Options:",
    ...optionLines({
      help: { ...HELP_OPTION, description: "Show this help; `keyrotor <command> --help` shows a command's." },
      version: { type: "boolean", description: "Print keyrotor's version." },
    }),
    "",
    EXIT_CODES,
  ].join("\n");
}

/**
 * Reads a command line: `[--help|--version] <command> [options]`, `help [command]`. Options take their
 * value as `--name VALUE` or `--name=VALUE`; `--` ends the options.
 * @throws UsageError naming the option or argument at fault, with the usage of the command given.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CommandSpec[]): ParsedLine {
  const overall = globalUsage(commands);
  const args = [...argv];
  while (args[0]?.startsWith("-") && args[0] !== "--") {
    const flag = args.shift() ?? "";
    if (flag === "--help" || flag === "-h") return { kind: "help", text: overall };
    if (flag === "--version") return { kind: "version" };
    throw new UsageError(`unknown option ${flag.split("=")[0]} (options go after the command)`, overall);
  }
  if (args[0] === "--") args.shift();
  const first = args[0];
  if (first === undefined) throw new UsageError("missing command", overall);
  if (first === "help") {
    args.shift();
    if (args.length === 0) return { kind: "help", text: overall };
    return { kind: "help", text: commandUsage(takeCommand(args, commands, overall)) };
  }
  const command = takeCommand(args, commands, overall);
  const usage = commandUsage(command);
  const fail = (message: string): never => {
    throw new UsageError(message, usage);
  };

  const optionPart = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  // Help and version win over whatever else is on the line, as in most command-line tools.
  if (optionPart.some((a) => a === "--help" || a === "-h")) return { kind: "help", text: usage };
  if (optionPart.includes("--version")) return { kind: "version" };

  const values: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      if (i + 1 < args.length) fail(`${command.name} takes no argument, got "${args[i + 1]}"`);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      const slot = Object.entries(command.options).find(([name, o]) => o.positional && !(name in values));
      if (!slot) fail(`${command.name} takes no argument, got "${arg}"`);
      else values[slot[0]] = arg;
      continue;
    }
    const [flag = "", inline] = arg.startsWith("--") ? splitOnce(arg, "=") : [arg, undefined];
    const optionName = flag.startsWith("--")
      ? flag.slice(2)
      : Object.entries(command.options).find(([, o]) => o.short && `-${o.short}` === flag)?.[0];
    const spec = optionName === undefined ? undefined : command.options[optionName];
    if (optionName === undefined || spec === undefined) {
      const owner = commands.find((c) => optionName !== undefined && optionName in c.options);
      fail(
        owner
          ? `${command.name} does not take ${flag} (${owner.name} does)`
          : `unknown option ${flag} for ${command.name}`,
      );
      continue;
    }
    if (optionName in values) fail(`${flag} given twice`);
    if (spec.type === "boolean") {
      if (inline !== undefined) fail(`${flag} takes no value, got "${inline}"`);
      values[optionName] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-")) {
        fail(`${flag} needs a value (${spec.value ?? spec.choices?.join("|") ?? "VALUE"})`);
      }
      value = next;
      i++;
    }
    if (value === undefined || value === "") fail(`${flag} needs a value, got an empty one`);
    else if (spec.choices && !spec.choices.includes(value)) {
      fail(`${flag} must be ${orList(spec.choices)}, got "${value}"`);
    } else values[optionName] = value;
  }
  for (const [optionName, spec] of Object.entries(command.options)) {
    if (spec.required && !(optionName in values)) fail(`${command.name} needs --${optionName}`);
  }
  return { kind: "command", command, values };
}

/** The command the line starts with (its name may be two words, as `ledger init`), taken off `args`. */
function takeCommand(args: string[], commands: readonly CommandSpec[], overall: string): CommandSpec {
  const [first = "", second] = args;
  const command =
    commands.find((c) => second !== undefined && c.name === `${first} ${second}`) ??
    commands.find((c) => c.name === first);
  if (command) {
    args.splice(0, command.name.split(" ").length);
    return command;
  }
  const group = commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
  throw new UsageError(
    group.length > 0 ? `"${first}" needs a subcommand: ${group.join(", ")}` : `unknown command "${first}"`,
    overall,
  );
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function orList(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
