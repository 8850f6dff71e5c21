import { addDays } from "../../shared/lifecycle";
import { FakeAccount } from "../lib/fake-account";
import { awsSampleCalls } from "./aws-sample";
import { type OrgDayFigures, orgDayFigures } from "./org-figures";
import { doneActions, newTally, SimulatedOrganization } from "./simulated-org";

export interface RotationDayFigures extends OrgDayFigures {
  /** Keys created per member account that day (every user is due). */
  readonly rotationsPerAccount: number;
}

/**
 * A rotation day: `accounts` member accounts of `users` users whose one key each turned 90 days old,
 * and a management account of none, swept once (simulated: in-memory accounts, the real scheduler and
 * rotator use cases, every call counted).
 */
export async function rotationDay(users: number, accounts = 2): Promise<RotationDayFigures> {
  const now = new Date("2027-01-01T06:00:00Z");
  const members = Array.from({ length: accounts }, () => {
    const fake = new FakeAccount();
    for (let u = 0; u < users; u++) {
      const createdAt = new Date(addDays(now, -90).getTime() - 1000);
      fake.addUser(`user-${u}`, [{ id: `K${u}`, status: "Active", createdAt }]);
    }
    return fake;
  });
  const org = new SimulatedOrganization([new FakeAccount(), ...members]);
  const tally = newTally();
  const reports = await org.runDay(now, "rotation-day", tally);
  const rotations = doneActions(reports, "create");
  return {
    ...orgDayFigures(tally, users, accounts, 1, awsSampleCalls(accounts, users, 1, rotations)),
    rotationsPerAccount: Math.round((rotations / accounts) * 10) / 10,
  };
}
