import { IncidentRefusedError, type IncidentRequest } from "../../shared/incidents/request";
import type { RotationJob } from "../../shared/messages";
import { accessKeyIdSchema } from "../../shared/messages";
import type { IncidentReport } from "../../shared/rotation/report";
import { scheduleAccount } from "../../shared/scheduling/schedule-run";
import { commandUsage, type ValuesOf } from "../args";
import { cliLog, runIdFor } from "../common";
import { loadCliConfig } from "../config";
import { EXIT, UsageError } from "../errors";
import { type AccountOutcome, sweepAccount } from "../sweep";
import type { CommandContext } from "./context";
import { ROTATE } from "./specs";

/**
 * `keyrotor rotate`: one user's key replaced now, through the same job the rotator runs for an exposed
 * key: checked in IAM, recorded as an incident, replaced, revoked as asked, its owner told at once.
 */
export async function run(values: ValuesOf<typeof ROTATE.options>, { io, services }: CommandContext) {
  const usage = commandUsage(ROTATE);
  const request = requestOf(values, usage);
  const accountId = accountOf(values.account, usage);
  const now = io.now?.() ?? new Date();
  // An explicit request acts whatever the configured mode: audit mode is for the schedule.
  const config = loadCliConfig({ configPath: values.config, env: io.env, overrides: { mode: "enforce" } });
  const ledgerTable = values.ledger ?? config.ledgerTable;
  const ports = await services.sweepPorts({ ...config, ledgerTable }, cliLog(io, values.verbose === true), {
    profile: values.profile,
    region: values.region,
    env: io.env,
  });
  const runId = runIdFor("rotate", now);
  const jobs: RotationJob[] = [];
  const scheduled = await scheduleAccount(
    {
      organization: ports.organization,
      jobs: { sendJobs: async (b) => void jobs.push(...b) },
      log: ports.log,
    },
    config,
    { runId, asOf: now },
    accountId,
  );
  const job = jobs[0];
  if (!job) {
    const why = scheduled.skipped[0]?.reason ?? "not in keyrotor's scope";
    throw new UsageError(
      `account ${accountId} is not managed by keyrotor (${why}): nothing was changed`,
      usage,
    );
  }
  const outcome = await sweepAccount(ports, config, job, { ...request, source: runId });
  if (outcome.error?.name === IncidentRefusedError.name) {
    io.stderr(`keyrotor: ${outcome.error.message}`);
    return EXIT.setup;
  }
  const incident = outcome.report?.users.find((u) => u.userName === request.userName)?.incident;
  io.stdout(values.json ? JSON.stringify({ incident, outcome }, null, 2) : formatRotate(outcome, incident));
  return outcome.error || outcome.notice === "failed" || !incident || incident.needsPerson
    ? EXIT.failed
    : EXIT.ok;
}

function requestOf(
  values: ValuesOf<typeof ROTATE.options>,
  usage: string,
): Omit<IncidentRequest, "source"> & { userName: string } {
  const keyId = values.key;
  if (keyId !== undefined && !accessKeyIdSchema.safeParse(keyId).success) {
    throw new UsageError(
      `--key must be an IAM user's access key id (AKIA and 16 letters or digits), got "${keyId.slice(0, 40)}"`,
      usage,
    );
  }
  const reason = values.reason;
  if (reason !== undefined && (reason.length > 200 || /\p{Cc}/u.test(reason))) {
    throw new UsageError("--reason must be at most 200 characters, without control characters", usage);
  }
  const userName = values.user ?? "";
  return {
    trigger: "cli",
    userName,
    ...(keyId ? { keyId } : {}),
    response: values.delete ? "delete" : values.revoke ? "revoke" : "grace",
    ...(reason ? { reason } : {}),
  };
}

function accountOf(value: string | undefined, usage: string): string {
  if (value && /^\d{12}$/.test(value)) return value;
  throw new UsageError(`--account must be a 12-digit account id, got "${(value ?? "").slice(0, 40)}"`, usage);
}

/** What became of the key, and what is left for a person. */
export function formatRotate(outcome: AccountOutcome, incident: IncidentReport | undefined): string {
  if (!incident)
    return `account ${outcome.job.account.id}: ${outcome.error?.message ?? "the user could not be looked at"}`;
  const lines = [
    `exposed key ${incident.keyId}: ${incident.state}`,
    `  replaced by   ${incident.replacedBy ?? "(not yet)"}`,
    `  deactivated   ${incident.revokedAt ?? (incident.response === "grace" ? "(after the usual grace)" : "(not yet)")}`,
    ...(incident.response === "delete" || incident.deletedAt
      ? [`  deleted       ${incident.deletedAt ?? "(not yet)"}`]
      : []),
    `  notice        ${outcome.notice}${outcome.noticeError ? `: ${outcome.noticeError.message}` : ""}`,
  ];
  if (incident.needsPerson) lines.push("", `NEEDS A PERSON NOW: ${incident.needsPerson}`);
  lines.push(
    "",
    `Left for you: check CloudTrail for what ${incident.keyId} did while exposed, then detach AWS's quarantine policy from the user (keyrotor never does).`,
  );
  return lines.join("\n");
}
