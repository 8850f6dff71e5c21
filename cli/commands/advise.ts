import { adviseUser } from "../../shared/advice/advise";
import { destinationsOf } from "../../shared/destinations/validate";
import { AwsCallError } from "../../shared/errors";
import { formatAdvice } from "../advice";
import { commandUsage, type ValuesOf } from "../args";
import { parseAsOf, runIdFor } from "../common";
import { loadCliConfig, PLAN_ONLY_SENDER } from "../config";
import { EXIT, UsageError } from "../errors";
import type { CommandContext } from "./context";
import { ADVISE } from "./specs";

/**
 * `keyrotor advise`: how to get rid of one user's keys, with the policy documents to review. Reads the
 * user's keys through the member role and its destinations from the settings; creates nothing.
 */
export async function run(values: ValuesOf<typeof ADVISE.options>, { io }: CommandContext) {
  const usage = commandUsage(ADVISE);
  const accountId = values.account ?? "";
  const userName = values.user ?? "";
  if (!/^\d{12}$/.test(accountId)) {
    throw new UsageError(`--account must be a 12-digit AWS account id, got "${accountId}"`, usage);
  }
  if (!/^[\w+=,.@-]{1,64}$/.test(userName)) {
    throw new UsageError(`--user must be an IAM user name, got "${userName}"`, usage);
  }
  const now = parseAsOf(values["as-of"], usage, io.now?.() ?? new Date());
  // advise sends nothing, so like plan it needs no sender.
  const config = loadCliConfig({ configPath: values.config, env: io.env }, { senderEmail: PLAN_ONLY_SENDER });
  const { readUserKeys } = await import("../aws/user-keys");
  const aws = { profile: values.profile, region: values.region, env: io.env };
  const read = await readUserKeys(config, aws, accountId, userName, runIdFor("advise", now)).catch(
    (error: unknown) => {
      if (error instanceof AwsCallError && error.code === "NoSuchEntity") {
        throw new UsageError(`account ${accountId} has no IAM user ${userName}`, usage, { cause: error });
      }
      throw error;
    },
  );
  if (read.ledgerProblem) io.stderr(`note: ${read.ledgerProblem}`);
  const advice = adviseUser({
    accountId,
    userName,
    partition: read.partition,
    keys: read.keys,
    destinations: destinationsOf(config.deliveries, accountId, userName),
    deactivateUnusedAfterDays: config.deactivateUnusedAfterDays,
    now,
  });
  io.stdout(values.format === "json" ? JSON.stringify(advice, null, 2) : formatAdvice(advice));
  return EXIT.ok;
}
