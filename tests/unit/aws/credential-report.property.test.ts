import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCells, parseCredentialReport } from "../../../shared/aws/credential-report";
import type { ReportedKey } from "../../../shared/lifecycle";
import type { ReportedUser } from "../../../shared/rotation/ports";

/** The report's columns, in the order IAM writes them. */
const COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "password_last_used",
  "password_last_changed",
  "password_next_rotation",
  "mfa_active",
  "access_key_1_active",
  "access_key_1_last_rotated",
  "access_key_1_last_used_date",
  "access_key_1_last_used_region",
  "access_key_1_last_used_service",
  "access_key_2_active",
  "access_key_2_last_rotated",
  "access_key_2_last_used_date",
  "access_key_2_last_used_region",
  "access_key_2_last_used_service",
  "cert_1_active",
  "cert_1_last_rotated",
  "cert_2_active",
  "cert_2_last_rotated",
];

/** What IAM writes in a date column that has no date. */
const placeholderArb = fc.constantFrom("N/A", "no_information", "not_supported");

/** An instant as IAM reports it: whole seconds. */
const instantArb = fc
  .integer({ min: Date.UTC(2010, 0, 1) / 1000, max: Date.UTC(2035, 0, 1) / 1000 })
  .map((s) => new Date(s * 1000));

/** A date as IAM writes it: ISO 8601 to the second with a `+00:00` offset. */
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "+00:00");

const dateCellArb = fc.oneof(instantArb.map(iso), placeholderArb);

/** IAM's user name charset `[\w+=,.@-]`, commas drawn often since they are what spreads cells. */
const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+=,.@-";
const userNameArb = fc.string({
  unit: fc.oneof(
    { arbitrary: fc.constantFrom(...NAME_CHARS), weight: 4 },
    { arbitrary: fc.constant(","), weight: 1 },
  ),
  minLength: 1,
  maxLength: 64,
});

/** An IAM path: `/`, or segments of `\u0021-\u007E` between slashes; commas and quotes drawn often. */
const pathArb = fc
  .array(
    fc.string({
      unit: fc.oneof(
        { arbitrary: fc.constantFrom(",", '"'), weight: 1 },
        {
          arbitrary: fc
            .integer({ min: 0x21, max: 0x7e })
            .filter((c) => c !== 0x2f)
            .map((c) => String.fromCharCode(c)),
          weight: 4,
        },
      ),
      minLength: 1,
      maxLength: 8,
    }),
    { maxLength: 3 },
  )
  .map((segments) => (segments.length === 0 ? "/" : `/${segments.join("/")}/`));

interface KeyModel {
  readonly active: boolean;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly region: string | null;
  readonly service: string | null;
}

const keyArb: fc.Arbitrary<KeyModel> = fc.record({
  active: fc.boolean(),
  createdAt: instantArb,
  lastUsedAt: fc.option(instantArb, { nil: null }),
  region: fc.constantFrom(null, "us-east-1", "eu-west-1"),
  service: fc.constantFrom(null, "iam", "s3", "sts"),
});

/** A key slot's five cells; an empty slot has no date where the key's creation would be. */
const slotCellsArb = (key: KeyModel | null): fc.Arbitrary<string[]> =>
  key === null
    ? fc
        .tuple(placeholderArb, placeholderArb)
        .map(([rotated, used]) => ["false", rotated, used, "N/A", "N/A"])
    : fc
        .tuple(key.lastUsedAt ? fc.constant(iso(key.lastUsedAt)) : placeholderArb, placeholderArb)
        .map(([used, unknown]) => [
          String(key.active),
          iso(key.createdAt),
          used,
          key.region ?? unknown,
          key.service ?? unknown,
        ]);

interface RowModel {
  readonly user: ReportedUser;
  readonly cells: string[];
  /** Per cell: whether it is written quoted (a cell holding `"` is quoted whatever this says). */
  readonly quoted: boolean[];
}

/**
 * A user and its report row. AWS quotes nothing, so most rows are written bare (a comma in the name
 * or the path then spreads over cells); some quote any of their cells, as an RFC 4180 writer would.
 */
const rowArb: fc.Arbitrary<RowModel> = fc
  .record({
    userName: userNameArb,
    path: pathArb,
    account: fc.stringMatching(/^\d{12}$/),
    slots: fc.tuple(fc.option(keyArb, { nil: null }), fc.option(keyArb, { nil: null })),
  })
  .chain(({ userName, path, account, slots }) => {
    const arn = `arn:aws:iam::${account}:user${path}${userName}`;
    const keys: ReportedKey[] = slots
      .filter((k) => k !== null)
      .map((k) => ({
        status: k.active ? "Active" : "Inactive",
        createdAt: k.createdAt,
        lastUsedAt: k.lastUsedAt,
        ...(k.service ? { lastUsedService: k.service } : {}),
        ...(k.region ? { lastUsedRegion: k.region } : {}),
      }));
    return fc.record({
      user: fc.constant({ userName, arn, keys }),
      cells: fc
        .tuple(
          instantArb.map(iso),
          fc.constantFrom("true", "false", "not_supported"),
          dateCellArb,
          dateCellArb,
          dateCellArb,
          fc.constantFrom("true", "false"),
          slotCellsArb(slots[0]),
          slotCellsArb(slots[1]),
          fc.tuple(
            fc.constantFrom("true", "false"),
            dateCellArb,
            fc.constantFrom("true", "false"),
            dateCellArb,
          ),
        )
        .map(([created, pwEnabled, pwUsed, pwChanged, pwNext, mfa, key1, key2, certs]) => [
          userName,
          arn,
          created,
          pwEnabled,
          pwUsed,
          pwChanged,
          pwNext,
          mfa,
          ...key1,
          ...key2,
          ...certs,
        ]),
      quoted: fc.oneof(
        { arbitrary: fc.constant(COLUMNS.map(() => false)), weight: 2 },
        {
          arbitrary: fc.array(fc.boolean(), { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
          weight: 1,
        },
      ),
    });
  });

const ROOT_ROW =
  "<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,N/A," +
  "not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";

/** One cell as a CSV writer would put it: quoted (quotes doubled) when asked or when it must be. */
const writeCell = (value: string, quoted: boolean) =>
  quoted || value.includes('"') ? `"${value.replaceAll('"', '""')}"` : value;

interface ReportModel {
  readonly rows: RowModel[];
  readonly root: boolean;
  readonly headerQuoted: boolean;
  readonly eol: string;
  readonly trailingEol: boolean;
}

const reportArb: fc.Arbitrary<ReportModel> = fc.record({
  rows: fc.array(rowArb, { maxLength: 6 }),
  root: fc.boolean(),
  headerQuoted: fc.boolean(),
  eol: fc.constantFrom("\n", "\r\n"),
  trailingEol: fc.boolean(),
});

/** Writes a report the way IAM lays it out: header, root account (usually), then one row a user. */
function render(report: ReportModel): string {
  const lines = [
    COLUMNS.map((c) => writeCell(c, report.headerQuoted)).join(","),
    ...(report.root ? [ROOT_ROW] : []),
    ...report.rows.map((r) => r.cells.map((c, i) => writeCell(c, r.quoted[i] ?? false)).join(",")),
  ];
  return lines.join(report.eol) + (report.trailingEol ? report.eol : "");
}

describe("credential report round trip", () => {
  it("parse(render(rows)) gives back the rows: names, ARNs, keys, whatever the quoting and line endings", () => {
    fc.assert(
      fc.property(reportArb, (report) => {
        // Prepare
        const csv = render(report);
        // Act
        const users = parseCredentialReport(csv);
        // Assess
        expect(users).toEqual(report.rows.map((r) => r.user));
      }),
    );
  });

  it("csvCells(write(cells)) gives back the cells, commas and quotes inside quoted cells included", () => {
    const cellArb = fc
      .record({
        value: fc.string({
          unit: fc.oneof(fc.constantFrom('"', ","), fc.string({ minLength: 1, maxLength: 1 })),
          maxLength: 12,
        }),
        quoted: fc.boolean(),
      })
      .map(({ value, quoted }) => ({ value, quoted: quoted || value.includes(",") }));
    fc.assert(
      fc.property(fc.array(cellArb, { minLength: 1, maxLength: 8 }), (cells) => {
        // Prepare
        const line = cells.map((c) => writeCell(c.value, c.quoted)).join(",");
        // Act
        const parsed = csvCells(line);
        // Assess
        expect(parsed).toEqual(cells.map((c) => c.value));
      }),
    );
  });
});
