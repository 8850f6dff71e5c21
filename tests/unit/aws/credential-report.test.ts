import { describe, expect, it } from "vitest";
import { parseCredentialReport, reportDate } from "../../../shared/aws/credential-report";

const ACCOUNT = "111122223333";

/** The report's columns, in the order IAM writes them. */
const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed," +
  "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated," +
  "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
  "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date," +
  "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated," +
  "cert_2_active,cert_2_last_rotated";

const ROOT =
  "<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported," +
  "2026-05-30T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A," +
  "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";

const NO_KEY = "false,N/A,N/A,N/A,N/A";

/** A user's row from its first two cells (as written) and the two key slots' cells. */
function row(nameAndArn: string, key1: string, key2 = NO_KEY): string {
  return `${nameAndArn},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,${key1},${key2},false,N/A,false,N/A`;
}

/** A user's row as IAM writes it: name and ARN bare, whatever they hold. */
const bare = (userName: string, path: string, key1: string, key2 = NO_KEY) =>
  row(`${userName},arn:aws:iam::${ACCOUNT}:user${path}${userName}`, key1, key2);

const KEY = "true,2026-03-01T00:00:00+00:00,N/A,N/A,N/A";
const report = (...rows: string[]) => [HEADER, ...rows].join("\n");
const at = (iso: string) => new Date(iso);
const parse = (csv: string) => parseCredentialReport(csv, ACCOUNT);

describe("parseCredentialReport", () => {
  it("reads the users of a report as IAM writes it and leaves the root account out", () => {
    // Prepare
    const csv = report(
      ROOT,
      row(
        "alice,arn:aws:iam::111122223333:user/alice",
        "true,2026-01-02T03:04:05+00:00,2026-05-31T10:00:00+00:00,eu-west-1,s3",
        "false,2025-06-01T00:00:00+00:00,N/A,N/A,N/A",
      ),
      row("bob,arn:aws:iam::111122223333:user/ops/bob", NO_KEY),
    );
    // Act
    const parsed = parse(csv);
    // Assess
    expect(parsed.unreadable).toEqual([]);
    expect(parsed.users).toEqual([
      {
        userName: "alice",
        arn: "arn:aws:iam::111122223333:user/alice",
        keys: [
          {
            status: "Active",
            createdAt: at("2026-01-02T03:04:05Z"),
            lastUsedAt: at("2026-05-31T10:00:00Z"),
            lastUsedService: "s3",
            lastUsedRegion: "eu-west-1",
          },
          { status: "Inactive", createdAt: at("2025-06-01T00:00:00Z"), lastUsedAt: null },
        ],
      },
      { userName: "bob", arn: "arn:aws:iam::111122223333:user/ops/bob", keys: [] },
    ]);
  });

  it.each([
    ["a quote in the path", '/a"b,c/', "etl,nightly"],
    ["a quote opening a path segment", '/"team"/', "ci"],
    ["a doubled quote", '/x""y/', "deploy@ci"],
    ["a path that is one quote", '/"/', "q"],
    ["commas on both sides of the quote", '/,",/', "a,b,c"],
    ["a path that looks like more cells", "/,true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,/", "z"],
    ["a path that holds an ARN", `/,arn:aws:iam::${ACCOUNT}:user/other/`, "y"],
  ])("reads a user whose name and path hold quotes and commas, written bare: %s", (_, path, userName) => {
    // Prepare
    const csv = report(ROOT, bare(userName, path, KEY), bare("after", "/", KEY));
    // Act
    const parsed = parse(csv);
    // Assess
    expect(parsed.unreadable).toEqual([]);
    expect(parsed.users).toEqual([
      {
        userName,
        arn: `arn:aws:iam::${ACCOUNT}:user${path}${userName}`,
        keys: [{ status: "Active", createdAt: at("2026-03-01T00:00:00Z"), lastUsedAt: null }],
      },
      {
        userName: "after",
        arn: `arn:aws:iam::${ACCOUNT}:user/after`,
        keys: [{ status: "Active", createdAt: at("2026-03-01T00:00:00Z"), lastUsedAt: null }],
      },
    ]);
  });

  it("reads cells an RFC 4180 writer quoted, doubled quotes included, as the bare ones", () => {
    // Prepare: a quoted name with a comma, and a quoted ARN whose path holds a quote.
    const csv = report(
      row(
        '"grace,jr","arn:aws:iam::111122223333:user/q""x/grace,jr"',
        '"true","2026-03-01T00:00:00+00:00",N/A,N/A,N/A',
      ),
    );
    // Act
    const parsed = parse(csv);
    // Assess
    expect(parsed.unreadable).toEqual([]);
    expect(parsed.users).toEqual([
      {
        userName: "grace,jr",
        arn: 'arn:aws:iam::111122223333:user/q"x/grace,jr',
        keys: [{ status: "Active", createdAt: at("2026-03-01T00:00:00Z"), lastUsedAt: null }],
      },
    ]);
  });

  it.each(["N/A", "no_information", "not_supported"])(
    "a key slot whose last_rotated is %j holds no key; the other slot still counts",
    (placeholder) => {
      // Prepare
      const csv = report(bare("carol", "/", `false,${placeholder},N/A,N/A,N/A`, KEY));
      // Act
      const { users } = parse(csv);
      // Assess
      expect(users[0]?.keys).toEqual([
        { status: "Active", createdAt: at("2026-03-01T00:00:00Z"), lastUsedAt: null },
      ]);
    },
  );

  it.each(["N/A", "no_information", "not_supported"])("a last-used date of %j means never used", (p) => {
    // Prepare
    const csv = report(bare("dave", "/", `true,2026-03-01T00:00:00+00:00,${p},N/A,N/A`));
    // Act
    const { users } = parse(csv);
    // Assess
    expect(users[0]?.keys[0]?.lastUsedAt).toBeNull();
  });

  it("tells Active from Inactive by the active cell alone (in either case): the report knows no Expired", () => {
    // Prepare
    const csv = report(
      bare(
        "erin",
        "/",
        "FALSE,2026-03-01T00:00:00+00:00,N/A,N/A,N/A",
        "TRUE,2026-03-02T00:00:00+00:00,N/A,N/A,N/A",
      ),
    );
    // Act
    const { users } = parse(csv);
    // Assess
    expect(users[0]?.keys.map((k) => k.status)).toEqual(["Inactive", "Active"]);
  });

  it("reads CRLF line endings and a trailing line break as LF does", () => {
    // Prepare
    const rows = [ROOT, bare("heidi", "/", KEY)];
    // Act
    const crlf = parse(`${[HEADER, ...rows].join("\r\n")}\r\n`);
    // Assess
    expect(crlf).toEqual(parse(report(...rows)));
    expect(crlf.users.map((u) => u.userName)).toEqual(["heidi"]);
  });

  it.each([HEADER, `${HEADER}\n`, `${HEADER}\n${ROOT}\n`, `"${HEADER.replaceAll(",", '","')}"`])(
    "a report without users (%#) gives none, and nothing unreadable",
    (csv) => {
      // Act
      const parsed = parse(csv);
      // Assess
      expect(parsed).toEqual({ users: [], unreadable: [] });
    },
  );

  it("refuses an empty report: IAM always writes the header", () => {
    // Act
    const parsed = parse("");
    // Assess
    expect(parsed).toEqual({ users: [], unreadable: [{ line: 1, problem: "the report is empty" }] });
  });

  it.each([
    ["no header at all", "", 1, "header"],
    ["a column missing", HEADER.replace(",mfa_active", ""), 1, "header"],
    ["a column added", `${HEADER},access_key_3_active`, 1, "header"],
    ["two columns swapped", HEADER.replace("user,arn", "arn,user"), 1, "header"],
  ])("refuses a report whose header is not the one IAM writes: %s", (_, header, line, problem) => {
    // Prepare
    const csv = `${header}\n${bare("ivan", "/", KEY)}`;
    // Act
    const parsed = parse(csv);
    // Assess
    expect(parsed.users).toEqual([]);
    expect(parsed.unreadable).toEqual([{ line, problem: expect.stringContaining(problem) }]);
  });

  it.each([
    ["too few cells", bare("u", "/", "true,2026-03-01T00:00:00+00:00,N/A,N/A"), "cells"],
    [
      "an empty cell",
      bare("u", "/", "true,2026-03-01T00:00:00+00:00,,N/A,N/A"),
      "access_key_1_last_used_date",
    ],
    ["a cell added in the tail", bare("u", "/", `${KEY},N/A`), "user_creation_time"],
    ["an ARN of another account", row("u,arn:aws:iam::999999999999:user/u", KEY), "account"],
    ["an ARN that does not end with the user", row("u,arn:aws:iam::111122223333:user/v", KEY), "ARN"],
    ["a path without its last slash", row("u,arn:aws:iam::111122223333:user/teamu", KEY), "ARN"],
    ["a role's ARN", row("u,arn:aws:iam::111122223333:role/u", KEY), "ARN"],
    ["no ARN at all", row("u,u", KEY), "ARN"],
    ["a name IAM would refuse", bare("bad name", "/", KEY), "user name"],
    ["a path longer than IAM allows", bare("u", `/${"p".repeat(512)}/`, KEY), "ARN"],
    ["a path with a space", bare("u", "/a b/", KEY), "ARN"],
    [
      "a creation date that is not a date",
      bare("u", "/", "true,2026-13-01T00:00:00+00:00,N/A,N/A,N/A"),
      "last_rotated",
    ],
    [
      "an active cell that is neither true nor false",
      bare("u", "/", "yes,2026-03-01T00:00:00+00:00,N/A,N/A,N/A"),
      "access_key_1_active",
    ],
    ["an Active key without its creation date", bare("u", "/", "true,N/A,N/A,N/A,N/A"), "key 1"],
    [
      "a used key without its creation date",
      bare("u", "/", NO_KEY, "false,N/A,2026-03-01T00:00:00+00:00,N/A,N/A"),
      "key 2",
    ],
    ["a quote in a date cell", bare("u", "/", 'true,"2026-03-01T00:00:00+00:00,N/A,N/A,N/A'), "last_rotated"],
    ["a stray quote in a quoted ARN", row('u,"arn:aws:iam::111122223333:user/a"b/u"', KEY), "ARN"],
    ["a quoted name left open", row('"u,arn:aws:iam::111122223333:user/u', KEY), "user"],
    [
      "a region IAM does not write",
      bare("u", "/", "true,2026-03-01T00:00:00+00:00,N/A,eu west,N/A"),
      "region",
    ],
    ["an empty line", "", "empty"],
    ["the root account of another account", ROOT.replace("111122223333", "999999999999"), "root"],
  ])("refuses a row it cannot read for certain: %s", (_, line, problem) => {
    // Prepare
    const csv = report(ROOT, bare("first", "/", KEY), line, bare("last", "/", KEY));
    // Act
    const parsed = parse(csv);
    // Assess
    expect(parsed.unreadable).toEqual([{ line: 4, problem: expect.stringContaining(problem) }]);
    expect(parsed.users.map((u) => u.userName)).toEqual(["first", "last"]);
  });

  it("refuses a second row for the same user, and a second root account row", () => {
    // Prepare
    const csv = report(ROOT, bare("twin", "/", KEY), bare("twin", "/other/", NO_KEY), ROOT);
    // Act
    const parsed = parse(csv);
    // Assess
    expect(parsed.unreadable).toEqual([
      { line: 4, problem: expect.stringContaining("twin") },
      { line: 5, problem: expect.stringContaining("root") },
    ]);
  });

  it("numbers unreadable rows by their line in the report, the header being line 1", () => {
    // Prepare
    const csv = report(ROOT, "broken", bare("ok", "/", KEY), "also,broken");
    // Act
    const parsed = parse(csv);
    // Assess
    expect(parsed.unreadable.map((r) => r.line)).toEqual([3, 5]);
  });
});

describe("reportDate", () => {
  it.each([
    ["2026-03-01T00:00:00+00:00", at("2026-03-01T00:00:00Z")],
    ["2026-03-01T02:00:00+02:00", at("2026-03-01T00:00:00Z")],
    ["2026-03-01T00:00:00Z", at("2026-03-01T00:00:00Z")],
    ["N/A", null],
    ["no_information", null],
    ["not_supported", null],
  ])("reads %j", (value, expected) => {
    // Act
    const date = reportDate(value);
    // Assess
    expect(date).toEqual(expected);
  });

  it.each(["", "2026-99-99T00:00:00+00:00", "2026-03-01", "2026-03-01T00:00:00", "yesterday", "N/A "])(
    "refuses %j: neither a date nor a placeholder",
    (value) => {
      // Act
      const date = reportDate(value);
      // Assess
      expect(date).toBeUndefined();
    },
  );
});
