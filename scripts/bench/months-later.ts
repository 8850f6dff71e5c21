import { addDays } from "../../shared/lifecycle";
import { FakeAccount } from "../lib/fake-account";
import { seededRandom } from "../lib/fault-proxy";
import { awsSampleCalls } from "./aws-sample";
import { type OrgDayFigures, orgDayFigures } from "./org-figures";
import { doneActions, newTally, SimulatedOrganization } from "./simulated-org";

/**
 * An organization months into rotation, as users live with it: keys of every age (created across 90
 * days), a few users exempt, blocked by two keys of their own or holding only inactive keys, rotated by
 * keyrotor itself for two cycles before anything is counted. Then `days` consecutive daily runs are
 * counted: every call keyrotor makes, and every action it takes. Simulated: in-memory accounts, the
 * real scheduler and rotator use cases (`simulated-org.ts`).
 */

const DAY_MS = 86_400_000;
/** Two full cycles of rotation (delete threshold 110 days, twice) before counting starts. */
const WARM_UP_DAYS = 220;

export interface MonthsLaterFigures extends OrgDayFigures {
  /** Keys created, deactivated or deleted per member account per day. */
  readonly actionsPerAccountPerDay: number;
  /** Users looked at per member account per day (the rest cost nothing beyond the account's reads). */
  readonly usersLookedAtPerDay: number;
}

function buildAccount(users: number, start: Date, random: () => number): FakeAccount {
  const fake = new FakeAccount();
  for (let u = 0; u < users; u++) {
    const name = `user-${u}`;
    const created = (days: number) =>
      new Date(addDays(start, -days).getTime() - Math.floor(random() * DAY_MS));
    const age = Math.floor(random() * 90);
    const kind = random();
    if (kind < 0.02) {
      fake.addUser(name, [{ id: `K${u}a`, status: "Active", createdAt: created(age) }]);
      fake.groupMembers.add(name);
    } else if (kind < 0.04) {
      const older = { id: `K${u}a`, status: "Active" as const, createdAt: created(age + 40) };
      fake.addUser(name, [older, { id: `K${u}b`, status: "Active", createdAt: created(age) }]);
    } else if (kind < 0.05) {
      fake.addUser(name, [{ id: `K${u}a`, status: "Inactive", createdAt: created(age) }]);
    } else {
      fake.addUser(name, [{ id: `K${u}a`, status: "Active", createdAt: created(age) }]);
    }
  }
  return fake;
}

/**
 * Runs the organization (`accounts` member accounts of `users` users, and a management account of
 * none) through warm-up and `days` counted daily runs; the figures are per account per day.
 */
export async function monthsLater(users: number, accounts = 2, days = 30): Promise<MonthsLaterFigures> {
  const start = new Date("2027-01-01T06:00:00Z");
  const random = seededRandom(users);
  const members = Array.from({ length: accounts }, () => buildAccount(users, start, random));
  const org = new SimulatedOrganization([new FakeAccount(), ...members]);
  const tally = newTally();
  let actions = 0;
  let looked = 0;
  let rotations = 0;
  for (let day = 0; day < WARM_UP_DAYS + days; day++) {
    const counting = day >= WARM_UP_DAYS;
    const reports = await org.runDay(addDays(start, day), `day-${day}`, counting ? tally : undefined);
    if (!counting) continue;
    looked += reports.reduce((n, r) => n + r.users.length, 0);
    actions += doneActions(reports);
    rotations += doneActions(reports, "create");
  }
  const perAccountDay = (n: number) => Math.round((n / (accounts * days)) * 10) / 10;
  return {
    ...orgDayFigures(tally, users, accounts, days, awsSampleCalls(accounts, users, days, rotations)),
    actionsPerAccountPerDay: perAccountDay(actions),
    usersLookedAtPerDay: perAccountDay(looked),
  };
}
