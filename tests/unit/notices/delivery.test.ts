import { describe, expect, it } from "vitest";
import type { ErrorReport } from "../../../shared/errors";
import { noticeSchema } from "../../../shared/messages";
import { type Announced, composeNotice } from "../../../shared/notices/compose";
import { renderNotice } from "../../../shared/notices/render";
import type { DeliveryReport, UserReport } from "../../../shared/rotation";
import { accountReport, JOB, userReport } from "./fixtures";

const SETTINGS = { warnBeforeDays: 7, readerPrincipals: [], repeatFailuresAfterDays: 7 };
const NOW = JOB.asOf;
const YESTERDAY = "2026-05-31T06:00:00.000Z";
const GITHUB = "GitHub Actions secrets of repository acme/app";
const SSM = "SSM parameters /keyrotor/ci/alice/*";
const DENIED =
  "GitHub Actions secret AWS_ACCESS_KEY_ID of acme/app could not be written: HTTP 401 (Bad credentials)";
const FIX = "put a token with the Secrets permission in keyrotor-tokens/github";
const at = (day: number) => new Date(Date.parse(NOW) + day * 86_400_000).toISOString();
const key = (id: string, createdAt: string) => ({ id, status: "Active", createdAt });

const created = {
  kind: "create",
  keyId: "NEW",
  detail: "replaces OLD",
  dueOn: NOW,
  outcome: "done",
} as const;
const done = (destination: string, confirmedAt = NOW): DeliveryReport => ({
  destination,
  keyId: "NEW",
  outcome: "done",
  confirmedAt,
});
const failed = (extra: Partial<DeliveryReport> = {}): DeliveryReport => ({
  destination: GITHUB,
  keyId: "NEW",
  outcome: "failed",
  failingSince: NOW,
  attempts: 1,
  error: { name: "DeliveryError", message: DENIED },
  fix: FIX,
  ...extra,
});
const rotatedUser = (extra: Partial<UserReport> = {}) =>
  userReport({
    keys: [key("OLD", "2026-03-01T06:00:00.000Z"), key("NEW", NOW)],
    secretArn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyrotor/alice-Ab12Cd",
    ...extra,
  });

const compose = (user: UserReport, now = NOW, announced?: Announced) =>
  composeNotice({ ...JOB, asOf: now }, { ...accountReport([user]), now }, SETTINGS, announced);
const events = (c: ReturnType<typeof composeNotice>) => c.notice?.users.flatMap((u) => u.events) ?? [];
/** The notice as mailed; a composition without one fails the test. */
function rendered(c: ReturnType<typeof composeNotice>) {
  if (!c.notice) throw new Error("no notice was composed");
  return renderNotice(c.notice);
}
/** What the ledger holds after a composition, as the next run reads it: its changes, else what it had. */
function recordedBy(c: ReturnType<typeof composeNotice>, before?: Announced): Announced {
  const changes = { ...c.forgets.users, ...c.announces.users };
  const alice = "alice" in changes ? changes.alice : before?.users.get("alice");
  return { users: new Map([["alice", alice ?? {}]]), account: {} };
}

describe("notices about key delivery: a new key and its destinations", () => {
  it("lists under the created key the destinations that confirmed it in this run, in text and HTML", () => {
    // Prepare: SSM confirmed a day ago belongs to an earlier delivery, not to this run's.
    const user = rotatedUser({ actions: [created], deliveries: [done(GITHUB), done(SSM, YESTERDAY)] });
    // Act
    const composed = compose(user);
    const { text, html } = rendered(composed);
    // Assess
    expect(events(composed)).toEqual([expect.objectContaining({ kind: "created", destinations: [GITHUB] })]);
    expect(text).toContain(`  keyrotor delivered it to:\n    * ${GITHUB}\n  Next: alice or a reader`);
    expect(text).toContain("updates anything else that uses the old key");
    expect(text).not.toContain(SSM);
    expect(html).toContain(
      `keyrotor delivered it to:</p><ul style="margin:2px 0 0 0;padding-left:20px;word-break:break-word"><li>${GITHUB}</li></ul>`,
    );
  });

  it("says nothing about destinations when the user has none", () => {
    // Act
    const composed = compose(rotatedUser({ actions: [created] }));
    const { text, html } = rendered(composed);
    // Assess
    expect(events(composed)).toEqual([expect.not.objectContaining({ destinations: expect.anything() })]);
    expect(events(composed)).toHaveLength(1);
    expect(text).not.toMatch(/deliver/i);
    expect(html).not.toMatch(/deliver|<ul/i);
  });

  it("in audit mode says under the planned creation where the key would be delivered, once", () => {
    // Prepare
    const planned = {
      kind: "create",
      keyId: "(new key)",
      detail: "replaces OLD",
      dueOn: NOW,
      outcome: "planned",
    } as const;
    const user = userReport({
      keys: [key("OLD", "2026-03-01T06:00:00.000Z")],
      actions: [planned],
      deliveries: [GITHUB, SSM].map((destination) => ({
        destination,
        keyId: "(new key)",
        outcome: "planned" as const,
      })),
    });
    // Act
    const first = composeNotice(JOB, accountReport([user], "audit"), SETTINGS);
    const second = composeNotice(
      { ...JOB, asOf: at(1) },
      { ...accountReport([user], "audit"), now: at(1) },
      SETTINGS,
      recordedBy(first),
    );
    // Assess
    expect(events(first)).toEqual([
      { kind: "would-create", keyId: "(new key)", detail: "replaces OLD", destinations: [GITHUB, SSM] },
    ]);
    expect(rendered(first).text).toContain(
      `- alice: would create a new key (replaces OLD).\n  It would be delivered to:\n    * ${GITHUB}\n    * ${SSM}`,
    );
    expect(second.notice).toBeNull();
  });
});

describe("notices about key delivery: failures", () => {
  const failing = (extra: Partial<DeliveryReport> = {}, more: Partial<UserReport> = {}) =>
    rotatedUser({ deliveries: [done(SSM, YESTERDAY), failed(extra)], ...more });

  it("says what failed, since when, how many attempts, the fix and that the old key stays Active", () => {
    // Prepare
    const user = failing(
      { failingSince: at(-3), attempts: 4 },
      { holds: [{ keyId: "OLD", reason: "undelivered", dueOn: NOW, destinations: [GITHUB] }] },
    );
    // Act
    const composed = compose(user);
    const { text, subject } = rendered(composed);
    // Assess: the hold is said by the failure, not twice.
    expect(events(composed)).toEqual([
      {
        kind: "delivery-failed",
        keyId: "NEW",
        destination: GITHUB,
        detail: DENIED,
        since: at(-3),
        attempts: 4,
        fix: FIX,
        replaces: "OLD",
      },
    ]);
    expect(subject).toMatch(/1 needs your action$/);
    expect(text).toContain(
      `== Needs your action ==\n- alice: delivering new key NEW to ${GITHUB} failed: ${DENIED} (failing since 2026-05-29, 4 attempts). Until it succeeds, the old key OLD stays Active; keyrotor retries on every run.\n  Next: Put a token with the Secrets permission in keyrotor-tokens/github.`,
    );
  });

  it("tells an unchanged failure once, though attempts and instants change; again after the quiet period", () => {
    // Prepare
    const first = compose(failing());
    // Act
    const nextDay = compose(failing({ attempts: 2 }), at(1), recordedBy(first));
    const nextWeek = compose(failing({ attempts: 8 }), at(7), recordedBy(first));
    // Assess
    expect(events(first)).toHaveLength(1);
    expect(nextDay.notice).toBeNull();
    expect(events(nextWeek)).toEqual([expect.objectContaining({ kind: "delivery-failed", attempts: 8 })]);
  });

  it("tells a failure again when its error or its key changes, but not for a provider's changing wait", () => {
    // Prepare
    const limited = (s: number) => ({
      error: { name: "DeliveryError", message: `rate limit lifts in ${s} s` },
    });
    const first = compose(failing());
    const throttled = compose(failing(limited(1800)));
    // Act
    const otherError = compose(failing(limited(1800)), at(1), recordedBy(first));
    const otherKey = compose(failing({ keyId: "NEWER" }), at(1), recordedBy(first));
    const otherWait = compose(failing(limited(600)), at(1), recordedBy(throttled));
    // Assess
    expect(events(otherError)).toEqual([expect.objectContaining({ detail: "rate limit lifts in 1800 s" })]);
    expect(events(otherKey)).toEqual([expect.objectContaining({ keyId: "NEWER" })]);
    expect(otherWait.notice).toBeNull();
  });

  it("once the destination confirms, says the key was delivered and forgets the failure", () => {
    // Prepare
    const first = compose(failing());
    const recovered = rotatedUser({ deliveries: [done(SSM, YESTERDAY), done(GITHUB, at(2))] });
    // Act
    const second = compose(recovered, at(2), recordedBy(first));
    const third = compose(recovered, at(3), recordedBy(second));
    // Assess
    expect(events(second)).toEqual([{ kind: "delivered", keyId: "NEW", destinations: [GITHUB] }]);
    expect(second.announces.users.alice ?? {}).not.toHaveProperty([`delivery:${GITHUB}`]);
    expect(rendered(second).text).toContain(
      `- alice: new key NEW is now delivered, after earlier attempts failed.\n  Delivered to:\n    * ${GITHUB}`,
    );
    expect(third.notice).toBeNull();
  });

  it("keeps a failure a read-only run only remembers without telling it, so it is not told again later", () => {
    // Prepare
    const first = compose(failing());
    // Act
    const waiting = compose(failing({ outcome: "waiting", attempts: 2 }), at(1), recordedBy(first));
    const retried = compose(failing({ attempts: 3 }), at(2), recordedBy(waiting, recordedBy(first)));
    // Assess
    expect(waiting.notice).toBeNull();
    expect(recordedBy(waiting, recordedBy(first)).users.get("alice")).toHaveProperty([`delivery:${GITHUB}`]);
    expect(retried.notice).toBeNull();
  });

  it("puts only an error's message in the notice, on one line, so the queue accepts it", () => {
    // Prepare: an error carrying more than a message must not be copied whole.
    const error = {
      name: "DeliveryError",
      message: "HTTP 422\r\n(bad value)",
      token: "ghp_NotForMail",
    } as ErrorReport;
    const composed = compose(failing({ error }));
    // Act
    const parsed = noticeSchema.safeParse(JSON.parse(JSON.stringify(composed.notice)));
    const { text, html } = rendered(composed);
    // Assess
    expect(parsed.success).toBe(true);
    expect(events(composed)[0]?.detail).toBe("HTTP 422 (bad value)");
    for (const words of [JSON.stringify(composed), text, html]) expect(words).not.toContain("ghp_NotForMail");
  });
});

describe("notices about old keys kept Active", () => {
  const used = { keyId: "OLD", lastUsedAt: "2026-05-31T22:10:00.000Z", service: "s3", region: "eu-west-1" };

  it("says a key held while in use: when and where it was last used, and its latest deactivation date; once", () => {
    // Prepare
    const user = rotatedUser({
      holds: [{ keyId: "OLD", reason: "in-use", dueOn: NOW, until: at(10) }],
      stillUsed: [{ ...used, deactivateOn: at(10) }],
    });
    // Act
    const first = compose(user);
    const second = compose(user, at(1), recordedBy(first));
    // Assess: the still-used statement is the hold's, not said twice.
    expect(events(first)).toEqual([
      {
        kind: "in-use",
        keyId: "OLD",
        on: at(10),
        lastUsedAt: used.lastUsedAt,
        service: "s3",
        region: "eu-west-1",
      },
    ]);
    expect(rendered(first).text).toContain(
      "- alice: old key OLD is still in use (last used on 2026-05-31, service s3, region eu-west-1); keyrotor deactivates it once it has been idle a day, on 2026-06-11 at the latest.",
    );
    expect(second.notice).toBeNull();
  });

  it("says a key a person re-activated is left Active, once per key", () => {
    // Prepare
    const user = rotatedUser({
      reactivated: ["OLD"],
      holds: [{ keyId: "OLD", reason: "reactivated", dueOn: NOW }],
    });
    // Act
    const first = compose(user);
    const second = compose(user, at(8), recordedBy(first));
    // Assess
    expect(events(first)).toEqual([{ kind: "reactivated", keyId: "OLD" }]);
    expect(rendered(first).text).toContain(
      "- alice: key OLD was deactivated by keyrotor and made Active again by someone: keyrotor leaves it Active.\n  Next: Deactivate or delete it when nothing uses it",
    );
    expect(second.notice).toBeNull();
  });

  it("says a key still used after its replacement reached every consumer, once per deactivation date", () => {
    // Prepare
    const user = (deactivateOn: string) => rotatedUser({ stillUsed: [{ ...used, deactivateOn }] });
    const first = compose(user(at(3)));
    // Act
    const same = compose(user(at(3)), at(1), recordedBy(first));
    const moved = compose(user(at(5)), at(1), recordedBy(first));
    // Assess
    expect(events(first)).toEqual([
      {
        kind: "still-used",
        keyId: "OLD",
        replacement: "NEW",
        on: at(3),
        lastUsedAt: used.lastUsedAt,
        service: "s3",
        region: "eu-west-1",
      },
    ]);
    expect(rendered(first).text).toContain(
      "== Old keys still in use ==\n- alice: old key OLD was still used on 2026-05-31 (service s3, region eu-west-1) after its replacement NEW reached every consumer; it will be deactivated on 2026-06-04.",
    );
    expect(same.notice).toBeNull();
    expect(events(moved)).toEqual([expect.objectContaining({ kind: "still-used", on: at(5) })]);
  });
});
