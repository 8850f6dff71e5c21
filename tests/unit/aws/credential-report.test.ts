import { describe, expect, it } from "vitest";
import { csvCells, parseCredentialReport, reportDate } from "../../../shared/aws/credential-report";

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

/** A user's row from its first two cells (as written) and the two key slots' cells. */
function row(nameAndArn: string, key1: string, key2 = "false,N/A,N/A,N/A,N/A"): string {
  return `${nameAndArn},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,${key1},${key2},false,N/A,false,N/A`;
}

const report = (...rows: string[]) => [HEADER, ...rows].join("\n");
const at = (iso: string) => new Date(iso);

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
      row("bob,arn:aws:iam::111122223333:user/ops/bob", "false,N/A,N/A,N/A,N/A"),
    );
    // Act
    const users = parseCredentialReport(csv);
    // Assess
    expect(users).toEqual([
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

  it.each(["N/A", "no_information", "not_supported", ""])(
    "a key slot whose last_rotated is %j holds no key; the other slot still counts",
    (placeholder) => {
      // Prepare
      const csv = report(
        row(
          "carol,arn:aws:iam::111122223333:user/carol",
          `false,${placeholder},N/A,N/A,N/A`,
          "true,2026-03-01T00:00:00+00:00,N/A,N/A,N/A",
        ),
      );
      // Act
      const [carol] = parseCredentialReport(csv);
      // Assess
      expect(carol?.keys).toEqual([
        { status: "Active", createdAt: at("2026-03-01T00:00:00Z"), lastUsedAt: null },
      ]);
    },
  );

  it.each(["N/A", "no_information", "not_supported"])(
    "a last-used date of %j means never used",
    (placeholder) => {
      // Prepare
      const csv = report(
        row(
          "dave,arn:aws:iam::111122223333:user/dave",
          `true,2026-03-01T00:00:00+00:00,${placeholder},N/A,N/A`,
        ),
      );
      // Act
      const [dave] = parseCredentialReport(csv);
      // Assess
      expect(dave?.keys[0]?.lastUsedAt).toBeNull();
    },
  );

  it("tells Active from Inactive by the active cell alone: the report knows no Expired", () => {
    // Prepare
    const csv = report(
      row(
        "erin,arn:aws:iam::111122223333:user/erin",
        "false,2026-03-01T00:00:00+00:00,N/A,N/A,N/A",
        "true,2026-03-02T00:00:00+00:00,N/A,N/A,N/A",
      ),
    );
    // Act
    const [erin] = parseCredentialReport(csv);
    // Assess
    expect(erin?.keys.map((k) => k.status)).toEqual(["Inactive", "Active"]);
  });

  it("rejoins an unquoted user name holding commas and the ARN that ends with it", () => {
    // Prepare
    const csv = report(
      row(
        "etl,nightly,arn:aws:iam::111122223333:user/etl,nightly",
        "true,2026-03-01T00:00:00+00:00,N/A,N/A,N/A",
      ),
    );
    // Act
    const [user] = parseCredentialReport(csv);
    // Assess
    expect(user).toMatchObject({
      userName: "etl,nightly",
      arn: "arn:aws:iam::111122223333:user/etl,nightly",
    });
    expect(user?.keys).toHaveLength(1);
  });

  it("rejoins an unquoted ARN whose path holds more commas than the user name", () => {
    // Prepare: two commas in the path, none in the name, so the cells do not spread evenly.
    const arn = "arn:aws:iam::111122223333:user/team,a,b/frank";
    const csv = report(row(`frank,${arn}`, "true,2026-03-01T00:00:00+00:00,N/A,N/A,N/A"));
    // Act
    const [user] = parseCredentialReport(csv);
    // Assess
    expect(user).toMatchObject({ userName: "frank", arn });
    expect(user?.keys[0]?.createdAt).toEqual(at("2026-03-01T00:00:00Z"));
  });

  it("reads quoted cells, commas and doubled quotes inside them included", () => {
    // Prepare: a quoted name with a comma, and a quoted ARN whose path holds a quote.
    const csv = report(
      row(
        '"grace,jr","arn:aws:iam::111122223333:user/q""x/grace,jr"',
        '"true","2026-03-01T00:00:00+00:00",N/A,N/A,N/A',
      ),
    );
    // Act
    const [user] = parseCredentialReport(csv);
    // Assess
    expect(user).toMatchObject({ userName: "grace,jr", arn: 'arn:aws:iam::111122223333:user/q"x/grace,jr' });
    expect(user?.keys).toEqual([
      { status: "Active", createdAt: at("2026-03-01T00:00:00Z"), lastUsedAt: null },
    ]);
  });

  it("reads CRLF line endings and a trailing line break as LF does", () => {
    // Prepare
    const rows = [
      ROOT,
      row("heidi,arn:aws:iam::111122223333:user/heidi", "true,2026-03-01T00:00:00+00:00,N/A,N/A,N/A"),
    ];
    // Act
    const crlf = parseCredentialReport(`${[HEADER, ...rows].join("\r\n")}\r\n`);
    // Assess
    expect(crlf).toEqual(parseCredentialReport(report(...rows)));
    expect(crlf.map((u) => u.userName)).toEqual(["heidi"]);
  });

  it.each(["", HEADER, `${HEADER}\n`, `${HEADER}\n${ROOT}\n`])(
    "a report without users (%#) gives none",
    (csv) => {
      // Act
      const users = parseCredentialReport(csv);
      // Assess
      expect(users).toEqual([]);
    },
  );
});

describe("csvCells", () => {
  it.each([
    ["a,b,c", ["a", "b", "c"]],
    ["", [""]],
    ["a,,", ["a", "", ""]],
    ['"a,b",c', ["a,b", "c"]],
    ['"say ""hi""",x', ['say "hi"', "x"]],
    ['"",""""', ["", '"']],
  ])("splits %j", (line, cells) => {
    // Act
    const result = csvCells(line);
    // Assess
    expect(result).toEqual(cells);
  });
});

describe("reportDate", () => {
  it.each([
    ["2026-03-01T00:00:00+00:00", at("2026-03-01T00:00:00Z")],
    ["2026-03-01T02:00:00+02:00", at("2026-03-01T00:00:00Z")],
    ["N/A", null],
    ["no_information", null],
    ["not_supported", null],
    ["", null],
    [undefined, null],
    ["2026-99-99T00:00:00+00:00", null],
  ])("reads %j", (value, expected) => {
    // Act
    const date = reportDate(value);
    // Assess
    expect(date).toEqual(expected);
  });
});
