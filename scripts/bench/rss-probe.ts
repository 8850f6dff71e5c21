/**
 * Child process of `npm run bench`: the rotator's use case on one account of 5,000 users (a rotation
 * day for a tenth of them), in memory, then its peak resident set size on stdout.
 */
import { IamAdapter } from "../../shared/aws/iam";
import { SecretsAdapter } from "../../shared/aws/secrets";
import { SqsAdapter } from "../../shared/aws/sqs";
import { StsAdapter } from "../../shared/aws/sts";
import { parseConfig } from "../../shared/config";
import { rotateJob } from "../../shared/jobs/rotate-job";
import { addDays } from "../../shared/lifecycle";
import { FakeAccount } from "../lib/fake-account";

// The rotator's SDK clients, so their footprint counts as it does in the Lambda.
const clients = [IamAdapter.create(), SecretsAdapter.create(), SqsAdapter.create(), StsAdapter.create()];
const now = new Date("2027-01-01T06:00:00Z");
const fake = new FakeAccount();
fake.clock = () => now;
for (let u = 0; u < 5_000; u++) {
  const age = u % 10 === 0 ? 95 : u % 80;
  fake.addUser(`user-${u}`, [{ id: `K${u}`, status: "Active", createdAt: addDays(now, -age) }], {
    "keyrotor:owner": `u${u}@example.com`,
  });
}
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
await rotateJob(
  {
    openAccount: async () => ({ iam: fake, secrets: fake }),
    ledger: fake.ledger,
    notices: { sendNotice: async () => undefined },
    log: silent,
  },
  parseConfig({ mode: "enforce", senderEmail: "k@example.com" }),
  {
    version: 1,
    runId: "bench",
    asOf: now.toISOString(),
    account: { id: "111122223333", name: "big", email: "o@example.com" },
  },
);
process.stdout.write(`${process.resourceUsage().maxRSS} ${clients.length}`);
