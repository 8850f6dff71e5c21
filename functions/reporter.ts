import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { clientOptionsOf } from "../shared/aws/client-config";
import { LedgerAdapter } from "../shared/aws/ledger";
import { memberAccountOpener, readerRole } from "../shared/aws/member-account";
import { OrganizationsAdapter } from "../shared/aws/organizations";
import { S3Adapter } from "../shared/aws/s3";
import { SecretsAdapter } from "../shared/aws/secrets";
import { SesAdapter } from "../shared/aws/ses";
import { StsAdapter } from "../shared/aws/sts";
import { postDigest } from "../shared/channels/digest";
import { requireEnv } from "../shared/config";
import { startWithConfig } from "../shared/deployed-config";
import { DEFAULT_HTTP_DEPS } from "../shared/destinations/types";
import { createLogger } from "../shared/logger";
import { parseMessage, scheduledEventSchema } from "../shared/messages";
import { buildOrgReport } from "../shared/report/build-report";
import { renderDigest, reportKey } from "../shared/report/digest";
import { renderHtml } from "../shared/report/render-html";
import { checkMessageTime } from "../shared/scheduling/admit";

const logger = createLogger();
const { config, digest: configDigest } = startWithConfig(process.env, logger);
const aws = clientOptionsOf(config);
const partition = process.env.AWS_PARTITION ?? "aws";
const region = requireEnv(process.env, "AWS_REGION");
const bucket = requireEnv(process.env, "REPORT_BUCKET");
const retentionDays = Number(requireEnv(process.env, "REPORT_RETENTION_DAYS"));
const ports = {
  organization: OrganizationsAdapter.create(aws),
  openAccount: memberAccountOpener(
    StsAdapter.create(aws),
    readerRole({ partition, roleName: config.memberRoleName }),
    aws,
  ),
  ledger: LedgerAdapter.create(config.ledgerTable, aws),
  log: logger,
};
const s3 = S3Adapter.create(aws);
const ses = SesAdapter.create(aws, process.env.SES_CONFIGURATION_SET || undefined);
const channels = {
  secrets: SecretsAdapter.create(aws),
  http: DEFAULT_HTTP_DEPS,
  // Not a setting: only the tests' local chat servers listen on plain http, and only they set it.
  allowLoopbackHttp: process.env.CHANNELS_ALLOW_LOOPBACK_HTTP === "true",
  nowSeconds: () => Math.floor(Date.now() / 1000),
};

/**
 * The weekly schedule -> the organization's report as HTML in the stack's bucket, and the digest with
 * its link to the admin address. Without `adminEmail` the digest is off: nothing is read, stored or sent.
 */
async function report(event: unknown) {
  if (config.adminEmail === null) {
    logger.info("digest off: no adminEmail");
    return { sent: false };
  }
  const scheduled = parseMessage(scheduledEventSchema, "schedule event", JSON.stringify(event));
  const now = new Date(scheduled.time);
  checkMessageTime(`schedule event ${scheduled.id}`, now, new Date(), config.maxJobAgeHours);
  const built = await buildOrgReport(ports, config, now, { configDigest });
  const key = await s3.putObject(bucket, {
    key: reportKey(built.generatedAt),
    body: renderHtml(built),
    contentType: "text/html; charset=utf-8",
  });
  const digest = renderDigest(built, { partition, region, bucket, key, retentionDays });
  const to = [config.adminEmail];
  const messageId = await ses.sendEmail({ from: config.senderEmail, to, cc: [], bcc: [], ...digest });
  // After the email, the channel of record: a channel that fails is logged, never retried by failing the run.
  const accountsUnder = (ou: string) => ports.organization.listAccountIdsUnder(ou);
  const told = await postDigest({ ...channels, accountsUnder }, config.channels ?? [], built);
  if (told.failed.length > 0) logger.error("digest channels failed", { failed: told.failed });
  const { accounts, unreadableAccounts, activeKeys } = built.totals;
  logger.info("digest sent", {
    key,
    messageId,
    accounts,
    unreadableAccounts,
    activeKeys,
    attention: built.attention.length,
    channels: told.posted,
  });
  return { sent: true, key };
}

export const handler = middy(report).use(injectLambdaContext(logger));
