import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clientsIn, createOrganization, createUsers, type Organization } from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { memberAccountOpener } from "../../shared/aws/member-account";
import { StsAdapter } from "../../shared/aws/sts";
import { parseConfig } from "../../shared/config";
import { rotateJob } from "../../shared/jobs/rotate-job";
import type { Notice, RotationJob } from "../../shared/messages";
import { requestTokenFor } from "../../shared/rotation";
import { snapshot } from "../support/account-fixture";
import { memoryLog } from "../support/log";

const USERS = ["u1", "u2", "u3", "u4", "u5", "u6"];
const config = parseConfig({ mode: "enforce", senderEmail: "k@example.com", userConcurrency: 3 });
const saved = { ...process.env };
let moto: Moto;
let org: Organization;
let original: Map<string, string[]>;
let job: RotationJob;
let notices: Notice[];

function rotator() {
  const log = memoryLog();
  const ports = {
    openAccount: memberAccountOpener(StsAdapter.create(), { partition: "aws", roleName: "keyrotor-member" }),
    ledger: LedgerAdapter.create(config.ledgerTable),
    notices: { sendNotice: async (n: Notice) => void notices.push(n) },
    log,
  };
  return () => rotateJob(ports, config, job);
}

/** Every due user: its original key plus exactly one new key, which its secret records. */
async function exactlyOneNewKeyEach() {
  const state = await snapshot(await clientsIn(org.accounts.Prod?.id ?? ""));
  for (const user of USERS) {
    const keys = (state.users[user] ?? []).map((e) => e.split(":")[0] ?? "");
    const fresh = keys.filter((k) => !original.get(user)?.includes(k));
    expect(keys, user).toHaveLength(2);
    expect(fresh, user).toHaveLength(1);
    expect(state.secrets[`keyrotor/${user}`]?.currentVersionId, user).toBe(requestTokenFor(fresh[0] ?? ""));
  }
}

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  });
});

beforeEach(async () => {
  await moto.reset();
  moto.setClockOffsetDays(0);
  org = await createOrganization([{ name: "Prod" }]);
  await LedgerAdapter.create(config.ledgerTable).ensureTable();
  original = await createUsers(
    (await clientsIn(org.accounts.Prod?.id ?? "")).iam,
    USERS.map((name) => ({ name, keys: ["Active" as const] })),
  );
  moto.setClockOffsetDays(90);
  job = {
    version: 1,
    runId: "run-1",
    asOf: moto.now().toISOString(),
    account: { id: org.accounts.Prod?.id ?? "", name: "Prod", email: "prod@example.com" },
  };
  notices = [];
});

afterAll(async () => {
  process.env = saved;
  await moto?.stop();
});

describe("concurrency", () => {
  it("the same job delivered twice: one new key per due user, one notice", async () => {
    const first = await rotator()();
    const second = await rotator()();
    expect(first.report.failedUsers).toBe(0);
    expect(second.report.users.flatMap((u) => u.actions)).toEqual([]);
    expect(second.noticeSent).toBe(false);
    // Nothing delivered the first notice yet, so the outbox queues it again; it is one notice, which
    // the notifier sends once (its id names the outbox entry).
    expect(notices.length).toBeGreaterThan(0);
    expect(new Set(notices.map((n) => n.noticeId))).toEqual(new Set([notices[0]?.noticeId]));
    expect(notices[0]?.noticeId).toBeDefined();
    await exactlyOneNewKeyEach();
  });

  it("two rotators on one account at once: still exactly one new key per due user", async () => {
    const results = await Promise.allSettled([rotator()(), rotator()()]);
    // Whatever each reported (IAM's two-key limit refuses the loser's CreateAccessKey), nothing is doubled.
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
    // The loser's job is retried, as SQS would: it finds nothing left to do.
    const retry = await rotator()();
    expect(retry.report.users.flatMap((u) => u.actions.filter((a) => a.outcome !== "skipped"))).toEqual([]);
    await exactlyOneNewKeyEach();
  });
});
