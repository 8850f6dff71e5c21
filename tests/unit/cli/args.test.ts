import { describe, expect, it } from "vitest";
import { commandUsage, globalUsage, parseCommandLine } from "../../../cli/args";
import { COMMANDS, CREDENTIAL_PROCESS, LEDGER_INIT, PLAN, PULL, RUN } from "../../../cli/commands/specs";
import { UsageError } from "../../../cli/errors";

const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS);

/** The UsageError a command line raises. */
function usageErrorOf(...argv: string[]): UsageError {
  try {
    parse(...argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`keyrotor ${argv.join(" ")} was accepted`);
}

describe("parseCommandLine", () => {
  it("reads each command's options, as --name VALUE and --name=VALUE", () => {
    // Act
    const plan = parse("plan", "--format=csv", "--config", "k.json", "--verbose", "--profile", "ops");
    const credentials = parse("credential-process", "--secret-id", "keyrotor/app", "--region=eu-west-1");
    // Assess
    expect(plan).toEqual({
      kind: "command",
      command: PLAN,
      values: { format: "csv", config: "k.json", verbose: true, profile: "ops" },
    });
    expect(parse("ledger", "init", "--ledger=t")).toMatchObject({
      command: LEDGER_INIT,
      values: { ledger: "t" },
    });
    expect(credentials).toMatchObject({
      command: CREDENTIAL_PROCESS,
      values: { "secret-id": "keyrotor/app", region: "eu-west-1" },
    });
  });

  it.each([
    [["plan", "--help"], commandUsage(PLAN)],
    [["run", "-h"], commandUsage(RUN)],
    [["credential-process", "--help"], commandUsage(CREDENTIAL_PROCESS)],
    [["help", "plan"], commandUsage(PLAN)],
    [["help", "ledger", "init"], commandUsage(LEDGER_INIT)],
    [["ledger", "init", "--help"], commandUsage(LEDGER_INIT)],
    [["--help"], globalUsage(COMMANDS)],
    [["help"], globalUsage(COMMANDS)],
    // Help wins over what else is on the line, even a missing required option.
    [["credential-process", "--bogus", "--help"], commandUsage(CREDENTIAL_PROCESS)],
  ])("keyrotor %j prints that command's help", (argv, text) => {
    expect(parse(...argv)).toEqual({ kind: "help", text });
  });

  it("gives each command its own help: its options only, the required one in the synopsis", () => {
    // Act
    const plan = commandUsage(PLAN);
    const credentials = commandUsage(CREDENTIAL_PROCESS);
    // Assess
    expect(plan).toMatch(/^Usage: keyrotor plan \[options\]$/m);
    expect(plan).toMatch(/--format table\|json\|csv/);
    expect(plan).not.toContain("--secret-id");
    expect(plan).not.toContain("--mode");
    expect(credentials).toMatch(/^Usage: keyrotor credential-process --secret-id ID \[options\]$/m);
    expect(credentials).toMatch(/ignores AWS_PROFILE/);
    for (const text of [plan, credentials, globalUsage(COMMANDS)]) {
      expect(text).toMatch(/Exit codes: 0 success; 1 .*\n2 usage, configuration or environment error/);
      expect(Math.max(...text.split("\n").map((l) => l.length))).toBeLessThanOrEqual(110);
    }
  });

  it("reads pull's target --profile apart from its --source-profile, and shows both in its help", () => {
    // Act
    const line = parse("pull", "--secret-id", "keyrotor/app", "--profile", "app", "--source-profile=admin");
    const help = commandUsage(PULL);
    // Assess
    expect(line).toEqual({
      kind: "command",
      command: PULL,
      values: { "secret-id": "keyrotor/app", profile: "app", "source-profile": "admin" },
    });
    expect(parse("help", "pull")).toEqual({ kind: "help", text: help });
    expect(globalUsage(COMMANDS)).toMatch(/^ {2}pull +Write a keyrotor secret's current key/m);
    expect(help).toMatch(/^Usage: keyrotor pull --secret-id ID --profile NAME \[options\]$/m);
    expect(help).toMatch(/--source-profile NAME +AWS profile whose credentials read the secret/);
    expect(help).toMatch(/Exit codes: 0 success; 1 .*\n2 usage, configuration or environment error/);
    expect(Math.max(...help.split("\n").map((l) => l.length))).toBeLessThanOrEqual(110);
    expect(
      Math.max(
        ...globalUsage(COMMANDS)
          .split("\n")
          .map((l) => l.length),
      ),
    ).toBeLessThanOrEqual(110);
  });

  it.each([
    [["pull", "--profile", "app"], "pull needs --secret-id"],
    [["pull", "--secret-id", "s"], "pull needs --profile"],
    [["plan", "--source-profile", "x"], "plan does not take --source-profile (pull does)"],
  ])("keyrotor %j: %s", (argv, message) => {
    expect(usageErrorOf(...argv).message).toBe(message);
  });

  it.each([[["--version"]], [["plan", "--version"]]])("keyrotor %j asks for the version", (argv) => {
    expect(parse(...argv)).toEqual({ kind: "version" });
  });

  it.each([
    [["plan", "--bogus"], "unknown option --bogus for plan", PLAN],
    [["plan", "-x"], "unknown option -x for plan", PLAN],
    [["plan", "--secret-id", "x"], "plan does not take --secret-id (credential-process does)", PLAN],
    [
      ["credential-process", "--mode", "audit"],
      "credential-process does not take --mode (run does)",
      CREDENTIAL_PROCESS,
    ],
    [["plan", "--format", "xml"], '--format must be table, json or csv, got "xml"', PLAN],
    [["run", "--mode=yolo"], '--mode must be audit or enforce, got "yolo"', RUN],
    [["run", "--json=yes"], '--json takes no value, got "yes"', RUN],
    [["plan", "--config"], "--config needs a value (FILE)", PLAN],
    [["plan", "--config", "--verbose"], "--config needs a value (FILE)", PLAN],
    [["plan", "--config="], "--config needs a value, got an empty one", PLAN],
    [["plan", "--format", "csv", "--format", "json"], "--format given twice", PLAN],
    [["plan", "now"], 'plan takes no argument, got "now"', PLAN],
    [["credential-process"], "credential-process needs --secret-id", CREDENTIAL_PROCESS],
  ])("keyrotor %j: %s, with that command's usage", (argv, message, spec) => {
    // Act
    const error = usageErrorOf(...argv);
    // Assess
    expect(error.message).toBe(message);
    expect(error.usage).toBe(commandUsage(spec));
  });

  it.each([
    [[], "missing command"],
    [["frobnicate"], 'unknown command "frobnicate"'],
    [["help", "frobnicate"], 'unknown command "frobnicate"'],
    [["ledger"], '"ledger" needs a subcommand: ledger init'],
    [["ledger", "drop"], '"ledger" needs a subcommand: ledger init'],
    [["--format", "json", "plan"], "unknown option --format (options go after the command)"],
  ])("keyrotor %j: %s, with the overall usage", (argv, message) => {
    // Act
    const error = usageErrorOf(...argv);
    // Assess
    expect(error.message).toBe(message);
    expect(error.usage).toBe(globalUsage(COMMANDS));
  });
});
