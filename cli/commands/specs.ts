import { type CommandSpec, HELP_OPTION, type OptionSpec } from "../args";

/** The command-line surface of every command. No AWS imports here: `--help` stays instant. */

const config = {
  type: "string",
  value: "FILE",
  description: "Settings, YAML or JSON (README); KEYROTOR_* variables and options override them.",
} as const satisfies OptionSpec;
const asOf = {
  type: "string",
  value: "ISO",
  description: "The run's instant (default: now).",
} as const satisfies OptionSpec;
const ledger = {
  type: "string",
  value: "TABLE",
  description: "Ledger table (default: the ledgerTable setting; keyrotor ledger init makes it).",
} as const satisfies OptionSpec;
const profile = {
  type: "string",
  value: "NAME",
  description: "AWS profile (default: AWS_PROFILE).",
} as const satisfies OptionSpec;
const verbose = {
  type: "boolean",
  description: "Print the service's structured logs on stderr.",
} as const satisfies OptionSpec;
const region = {
  type: "string",
  value: "REGION",
  description: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region).",
} as const satisfies OptionSpec;

const AWS_NOTE =
  "Credentials come from --profile, else AWS_PROFILE, else the default chain (environment variables,\n" +
  "the default profile, SSO, web identity, container or instance role). AWS_ENDPOINT_URL is honoured.";

export const PLAN = {
  name: "plan",
  summary: "What keyrotor would do to each key of the organization. Read-only.",
  options: {
    config,
    "as-of": asOf,
    format: {
      type: "string",
      choices: ["table", "json", "csv"],
      description: "Output: an aligned table (default), JSON rows or CSV.",
    },
    ledger,
    profile,
    region,
    verbose,
    help: HELP_OPTION,
  },
  notes: [
    "Nothing changes and no email is sent. plan validates the settings as given, then looks at every\n" +
      "key of every user (discovery full) in audit mode, whatever the settings say; it needs no sender.",
    AWS_NOTE,
  ],
} as const satisfies CommandSpec;

export const RUN = {
  name: "run",
  summary: "One full sweep in the configured mode: rotate, then email each account's owner.",
  options: {
    config,
    "as-of": asOf,
    json: { type: "boolean", description: "Print the full result as JSON instead of a table." },
    mode: {
      type: "string",
      choices: ["audit", "enforce"],
      description: "Override the configured mode (audit changes nothing).",
    },
    ledger,
    profile,
    region,
    verbose,
    help: HELP_OPTION,
  },
  notes: [
    "In enforce mode --as-of may not be in the future: keys are acted on at the present only.",
    AWS_NOTE,
  ],
} as const satisfies CommandSpec;

export const ROTATE = {
  name: "rotate",
  summary: "Rotate one user now, whatever its key's age: an exposed key, answered in minutes.",
  options: {
    account: {
      type: "string",
      value: "ID",
      required: true,
      description: "The user's AWS account (12 digits).",
    },
    user: {
      type: "string",
      value: "NAME",
      required: true,
      description: "The IAM user whose key is replaced.",
    },
    key: {
      type: "string",
      value: "AKIA…",
      description: "The key to replace (default: the user's newest Active key); refused if not that user's.",
    },
    revoke: {
      type: "boolean",
      description:
        "Deactivate the old key as soon as the new one is stored, without waiting for destinations.",
    },
    delete: { type: "boolean", description: "Deactivate and delete the old key once the new one is stored." },
    reason: {
      type: "string",
      value: "TEXT",
      description: "Why, in the ledger and the notice (200 characters).",
    },
    json: { type: "boolean", description: "Print the result as JSON." },
    config,
    ledger,
    profile,
    region,
    verbose,
    help: HELP_OPTION,
  },
  notes: [
    "The new key is verified, stored in the user's secret and delivered to every destination bound to the\n" +
      "user, as in a scheduled rotation; it acts whatever the configured mode. Without --revoke or --delete\n" +
      "the old key follows the usual grace from its replacement. Asking again for the same key changes\n" +
      "nothing and tells nobody twice. Exit 2, with nothing changed, when the key is not that user's.",
    AWS_NOTE,
  ],
} as const satisfies CommandSpec;

export const CREDENTIAL_PROCESS = {
  name: "credential-process",
  summary: "Print the current key of a keyrotor secret as AWS credential_process JSON.",
  options: {
    "secret-id": {
      type: "string",
      value: "ID",
      required: true,
      description: "The secret's name or ARN (keyrotor/<user>).",
    },
    profile: {
      type: "string",
      value: "NAME",
      description: "AWS profile whose credentials read the secret (AWS_PROFILE is ignored).",
    },
    region,
    help: HELP_OPTION,
  },
  notes: [
    "In ~/.aws/config:\n" +
      "  [profile app]\n" +
      "  credential_process = keyrotor credential-process --secret-id keyrotor/app --region eu-west-1\n" +
      "  region = eu-west-1",
    "The profile that runs this command is usually the one AWS_PROFILE selects, so credential-process\n" +
      "ignores AWS_PROFILE and AWS_DEFAULT_PROFILE: its own credentials come from --profile NAME if given,\n" +
      "else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the default profile, SSO, web identity,\n" +
      "container or instance role. It refuses, with exit code 2, a profile whose credential_process runs\n" +
      "keyrotor credential-process again, and never starts itself again while resolving its credentials.",
    "Only the credential JSON goes to stdout. Exit code 2: no credentials or region, the secret does not\n" +
      "exist, may not be read or is not a keyrotor secret; 1: AWS failed otherwise (throttling, outage).",
  ],
} as const satisfies CommandSpec;

export const PULL = {
  name: "pull",
  summary: "Write a keyrotor secret's current key into a profile of the AWS credentials file.",
  options: {
    "secret-id": {
      type: "string",
      value: "ID",
      required: true,
      description: "The secret's name or ARN (keyrotor/<user>).",
    },
    profile: {
      type: "string",
      value: "NAME",
      required: true,
      description: "The profile written: section [NAME] of the credentials file.",
    },
    "source-profile": {
      type: "string",
      value: "NAME",
      description: "AWS profile whose credentials read the secret (default: AWS_PROFILE).",
    },
    region,
    help: HELP_OPTION,
  },
  notes: [
    "For tools that cannot run a credential_process: sets aws_access_key_id and aws_secret_access_key of\n" +
      "[NAME] in AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials, and removes its aws_session_token\n" +
      "and aws_security_token. Every other line stays as it was. The file is replaced in one step, mode\n" +
      "0600, and made if missing (~/.aws with mode 0700). When [NAME] holds the key already, nothing is\n" +
      "written: run it after each rotation, or from cron.",
    "--profile is the profile written, named bare as the credentials file names it ([app], not\n" +
      "[profile app]). A profile that gets its credentials otherwise (credential_process, role_arn,\n" +
      "source_profile, SSO, web identity) in either file is refused: those would override the key or mix\n" +
      "with it.",
    "The secret is read with --source-profile NAME, else AWS_PROFILE, else AWS_ACCESS_KEY_ID and\n" +
      "AWS_SECRET_ACCESS_KEY, else the default profile, SSO, web identity, container or instance role.\n" +
      "It may be the profile written: a user may read its own secret, so its old key, while still active,\n" +
      "reads the new one.",
    "Prints the access key id, never the secret access key. Exit code 2: a bad profile name, a profile\n" +
      "that gets its credentials otherwise, no credentials or region, the secret does not exist, may not\n" +
      "be read or is not a keyrotor secret, the file cannot be written; 1: AWS failed otherwise.",
  ],
} as const satisfies CommandSpec;

export const LEDGER_INIT = {
  name: "ledger init",
  summary: "Create the ledger table (DynamoDB) that plan and run need, unless it exists.",
  options: {
    ledger: {
      type: "string",
      value: "TABLE",
      description: "The table's name (default: the ledgerTable setting, keyrotor-prod-ledger).",
    },
    config,
    profile,
    region,
    help: HELP_OPTION,
  },
  notes: [
    "On demand, encrypted, with point-in-time recovery. The deployed stack makes its own table; this\n" +
      "one is for the CLI run from a laptop, in the account whose credentials run the command: the\n" +
      "organization's management account.",
    AWS_NOTE,
  ],
} as const satisfies CommandSpec;

export const CONFIG_VALIDATE = {
  name: "config validate",
  summary: "Check a configuration file as the service would and print its digest; changes nothing.",
  options: {
    config: { ...config, required: true },
    json: { type: "boolean", description: "Print the result as JSON." },
    help: HELP_OPTION,
  },
  notes: [
    "Only the file is checked: KEYROTOR_* variables are ignored, so what passes here is the file a pull\n" +
      "request changes. Exit 0 when it is valid; exit 2 with every problem, each naming its place in the\n" +
      "file (deliveries[3].destinations[0].repository). No AWS call is made.",
  ],
} as const satisfies CommandSpec;

export const CONFIG_DIFF = {
  name: "config diff",
  summary: "What changing one configuration file for another would change, for its review.",
  options: {
    old: {
      type: "string",
      value: "OLD",
      required: true,
      positional: true,
      description: "The configuration file now.",
    },
    new: {
      type: "string",
      value: "NEW",
      required: true,
      positional: true,
      description: "The file that would replace it.",
    },
    json: { type: "boolean", description: "Print the changes as JSON." },
    help: HELP_OPTION,
  },
  notes: [
    "Both files are validated first. One line per change: a setting, a destination added, removed or\n" +
      "changed per binding (account and user pattern), and readers added (WIDENED) or removed anywhere.\n" +
      "Exit 0 whatever changed; 2 when a file is invalid.",
  ],
} as const satisfies CommandSpec;

export const CONFIG_SCHEMA = {
  name: "config schema",
  summary: "Print the configuration's JSON Schema, for editor completion and checks in CI.",
  options: { help: HELP_OPTION },
  notes: [
    "Generated from the one schema the CLI and the service validate with. Rules between settings (two\n" +
      "users meeting in one destination, thresholds in order) are beyond JSON Schema: config validate\n" +
      "checks those too.",
  ],
} as const satisfies CommandSpec;

export const PREVIEW = {
  name: "preview",
  summary: "Every kind of notice and the weekly digest, as HTML and text files, from sample data.",
  options: {
    output: { type: "string", value: "DIR", description: "Where to write them (default: notice-preview)." },
    channel: {
      type: "string",
      choices: ["slack", "teams", "webhook"],
      description: "Print instead what that channel would receive for each kind of notice.",
    },
    help: HELP_OPTION,
  },
  notes: [
    "Needs no AWS access and no configuration: the notices and the digest's organization are made up,\n" +
      "the wording is keyrotor's. The digest is weekly-digest.html and .txt, as the reporter mails it.",
  ],
} as const satisfies CommandSpec;

export const REPORT = {
  name: "report",
  summary: "All keys at a glance: ages, compliance, the next 14 days, who needs a person.",
  options: {
    config,
    "as-of": asOf,
    format: {
      type: "string",
      choices: ["html", "json", "csv"],
      description: "Output: one self-contained HTML page (default), JSON or CSV (a row per account).",
    },
    rows: {
      type: "string",
      value: "LIST",
      choices: ["accounts", "incidents", "failing-iam3", "out-of-scope"],
      description: "With --format csv: accounts (default), incidents, failing-iam3 or out-of-scope.",
    },
    output: { type: "string", value: "FILE", description: "Write the report there instead of stdout." },
    ledger,
    profile,
    region,
    verbose,
    help: HELP_OPTION,
  },
  notes: [
    "Reads only: each account's credential report and user directory (no call per user) and the ledger's\n" +
      "history; nothing changes and no email is sent. Accounts are those a run would cover. An account\n" +
      "that cannot be read is in the report with its error, and the exit code is then 1.",
    AWS_NOTE,
  ],
} as const satisfies CommandSpec;

export const ADVISE = {
  name: "advise",
  summary: "How to get rid of one user's keys: the advice and the policy documents. Read-only.",
  options: {
    account: { type: "string", value: "ID", required: true, description: "The user's account (12 digits)." },
    user: { type: "string", value: "NAME", required: true, description: "The IAM user's name." },
    format: {
      type: "string",
      choices: ["text", "json"],
      description: "Output: the advice with its documents as text (default), or the whole advice as JSON.",
    },
    "as-of": asOf,
    config,
    profile,
    region,
    help: HELP_OPTION,
  },
  notes: [
    "Per Active key, the first that applies: unused for deactivateUnusedAfterDays (45 when off) -> remove\n" +
      "it; delivered only to CI destinations -> a role its pipelines assume with the provider's OIDC token\n" +
      "(trust policy, permissions skeleton, pipeline lines); used with a few AWS services -> a role scoped\n" +
      "to them; otherwise IAM Roles Anywhere or IAM Identity Center.",
    "Reads the user's keys and their last use through the member role, and its destinations from the\n" +
      "settings. Nothing is created: the documents are for a person to review and apply.",
    AWS_NOTE,
  ],
} as const satisfies CommandSpec;

export const COMMANDS: readonly CommandSpec[] = [
  PLAN,
  RUN,
  ROTATE,
  CREDENTIAL_PROCESS,
  PULL,
  LEDGER_INIT,
  CONFIG_VALIDATE,
  CONFIG_DIFF,
  CONFIG_SCHEMA,
  PREVIEW,
  REPORT,
  ADVISE,
];
