import { addDays, type KeyFacts, type KeyStatus, type UserFacts } from "../../shared/lifecycle";

export const NOW = new Date("2026-06-01T06:00:00Z");

/** A key `age` whole days old at NOW (created an hour past the day boundary). */
export function key(
  id: string,
  age: number,
  status: KeyStatus = "Active",
  lastUsedAt?: Date | null,
): KeyFacts {
  return {
    id,
    status,
    createdAt: new Date(addDays(NOW, -age).getTime() - 3_600_000),
    ...(lastUsedAt === undefined ? {} : { lastUsedAt }),
  };
}

export function user(keys: KeyFacts[], extra: Partial<UserFacts> = {}): UserFacts {
  return { userName: "alice", keys, exempt: null, secret: null, ...extra };
}
