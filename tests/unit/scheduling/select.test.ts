import { describe, expect, it } from "vitest";
import { selectAccounts } from "../../../shared/scheduling/select";

const account = (id: string, state = "ACTIVE") => ({ id, name: `n${id}`, email: `${id}@example.com`, state });
const A = account("111111111111");
const B = account("222222222222");
const C = account("333333333333");
const CLOSED = account("444444444444", "SUSPENDED");
const none = { includeAccounts: [], excludeAccounts: [], includeOus: [], excludeOus: [] };
const ous = new Map([
  ["ou-root-workloads1", new Set([A.id, B.id])],
  ["ou-root-sandbox01", new Set([C.id])],
]);
const ids = (r: ReturnType<typeof selectAccounts>) => r.selected.map((a) => a.id);

describe("selectAccounts", () => {
  it("keeps every ACTIVE account when nothing is configured, and says why the others are skipped", () => {
    const result = selectAccounts([A, B, C, CLOSED], ous, none);
    expect(ids(result)).toEqual([A.id, B.id, C.id]);
    expect(result.skipped).toEqual([{ account: CLOSED, reason: "not active (SUSPENDED)" }]);
  });

  it("restricts to included accounts and OUs (nested members included by the caller's OU map)", () => {
    expect(ids(selectAccounts([A, B, C], ous, { ...none, includeAccounts: [C.id] }))).toEqual([C.id]);
    expect(ids(selectAccounts([A, B, C], ous, { ...none, includeOus: ["ou-root-workloads1"] }))).toEqual([
      A.id,
      B.id,
    ]);
    const both = selectAccounts([A, B, C], ous, {
      ...none,
      includeOus: ["ou-root-sandbox01"],
      includeAccounts: [A.id],
    });
    expect(ids(both)).toEqual([A.id, C.id]);
    expect(both.skipped[0]?.reason).toBe("not in an included account or OU");
  });

  it("lets exclusions win over inclusions, by id and by OU", () => {
    const scope = { ...none, includeOus: ["ou-root-workloads1"], excludeAccounts: [B.id] };
    expect(ids(selectAccounts([A, B, C], ous, scope))).toEqual([A.id]);
    const byOu = selectAccounts([A, B, C], ous, { ...none, excludeOus: ["ou-root-sandbox01"] });
    expect(ids(byOu)).toEqual([A.id, B.id]);
    expect(byOu.skipped).toEqual([{ account: C, reason: "excluded by OU ou-root-sandbox01" }]);
  });
});
