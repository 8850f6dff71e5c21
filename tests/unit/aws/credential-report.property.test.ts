import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCredentialReport } from "../../../shared/aws/credential-report";
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

/** Any character IAM allows in a path (`\u0021-\u007E`), quotes, commas and slashes drawn often. */
const pathCharArb = fc.oneof(
  { arbitrary: fc.constantFrom(",", '"', "/", '""', ',"', '",'), weight: 2 },
  { arbitrary: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), weight: 3 },
);

/** An IAM path: `/`, or `/`, up to 510 allowed characters, `/`. */
const pathArb = fc.oneof(
  fc.constant("/"),
  fc.string({ unit: pathCharArb, minLength: 1, maxLength: 40 }).map((inner) => `/${inner.slice(0, 510)}/`),
);

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
  region: fc.constantFrom(null, "us-east-1", "eu-west-1", "us-gov-west-1"),
  service: fc.constantFrom(null, "iam", "s3", "sts", "execute-api", "runtime.sagemaker"),
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
  /** Per cell: whether an RFC 4180 writer quotes it (it must when it holds `"` or `,`). */
  readonly quoted: boolean[];
}

/** A user of the account and its report row. */
const rowArb = (account: string, partition: string): fc.Arbitrary<RowModel> =>
  fc
    .record({
      userName: userNameArb,
      path: pathArb,
      slots: fc.tuple(fc.option(keyArb, { nil: null }), fc.option(keyArb, { nil: null })),
    })
    .chain(({ userName, path, slots }) => {
      const arn = `arn:${partition}:iam::${account}:user${path}${userName}`;
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
            fc.constantFrom("true", "false"),
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
        quoted: fc.array(fc.boolean(), { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
      });
    });

interface ReportModel {
  readonly account: string;
  readonly partition: string;
  readonly rows: RowModel[];
  readonly root: boolean;
  readonly eol: string;
  readonly trailingEol: boolean;
}

const reportArb: fc.Arbitrary<ReportModel> = fc
  .record({
    account: fc.stringMatching(/^\d{12}$/),
    partition: fc.constantFrom("aws", "aws-cn", "aws-us-gov"),
    root: fc.boolean(),
    eol: fc.constantFrom("\n", "\r\n"),
    trailingEol: fc.boolean(),
  })
  .chain((shape) =>
    fc
      .uniqueArray(rowArb(shape.account, shape.partition), {
        maxLength: 6,
        selector: (r) => r.user.userName,
      })
      .map((rows) => ({ ...shape, rows })),
  );

const rootRow = (r: ReportModel) =>
  `<root_account>,arn:${r.partition}:iam::${r.account}:root,2020-01-01T00:00:00+00:00,not_supported,N/A,` +
  "not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";

/** IAM's own way: every cell bare, joined by commas, whatever it holds. */
const awsCell = (value: string) => value;

/** An RFC 4180 writer's way: quoted (quotes doubled) when asked, or when the cell holds `"` or `,`. */
const rfcCell = (value: string, quoted: boolean) =>
  quoted || /[",]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** The report's lines: header, root account (usually), then one row a user. */
function lines(report: ReportModel, rfc: boolean): string[] {
  const write = (cells: readonly string[], quoted: readonly boolean[]) =>
    cells.map((c, i) => (rfc ? rfcCell(c, quoted[i] ?? false) : awsCell(c))).join(",");
  return [
    COLUMNS.join(","),
    ...(report.root ? [rootRow(report)] : []),
    ...report.rows.map((r) => write(r.cells, r.quoted)),
  ];
}

const render = (report: ReportModel, rowLines: string[]) =>
  rowLines.join(report.eol) + (report.trailingEol ? report.eol : "");

/** One edit of one character: what corrupts a row in transit or shifts its cells. */
const editArb = fc.record({
  line: fc.nat(),
  at: fc.nat(),
  kind: fc.constantFrom("insert", "delete"),
  char: fc.constantFrom(",", '"', "\n", "/", ":", "x", "1", ""),
});

describe("credential report round trip", () => {
  it("parse(write(users)) gives back exactly the users and keys, for names and paths with quotes and commas, written as IAM writes", () => {
    fc.assert(
      fc.property(reportArb, (report) => {
        // Prepare
        const csv = render(report, lines(report, false));
        // Act
        const parsed = parseCredentialReport(csv, report.account);
        // Assess
        expect(parsed.unreadable).toEqual([]);
        expect(parsed.users).toEqual(report.rows.map((r) => r.user));
      }),
      { numRuns: 500 },
    );
  });

  it("reads the same users when an RFC 4180 writer quoted any cell", () => {
    fc.assert(
      fc.property(reportArb, (report) => {
        // Prepare
        const csv = render(report, lines(report, true));
        // Act
        const parsed = parseCredentialReport(csv, report.account);
        // Assess
        expect(parsed.unreadable).toEqual([]);
        expect(parsed.users).toEqual(report.rows.map((r) => r.user));
      }),
      { numRuns: 300 },
    );
  });

  it("a report with one character inserted or removed is read with every user and key, or declared unreadable: never fewer", () => {
    fc.assert(
      fc.property(reportArb, fc.boolean(), editArb, (report, rfc, edit) => {
        // Prepare
        const rowLines = lines(report, rfc);
        const i = edit.line % rowLines.length;
        const line = rowLines[i] ?? "";
        const at = edit.at % (line.length + 1);
        rowLines[i] =
          edit.kind === "insert"
            ? line.slice(0, at) + edit.char + line.slice(at)
            : line.slice(0, at) + line.slice(at + 1);
        // Act
        const parsed = parseCredentialReport(render(report, rowLines), report.account);
        // Assess
        if (parsed.unreadable.length > 0) return;
        const shape = (users: readonly ReportedUser[]) =>
          users.map((u) => [u.userName, u.keys.length, u.keys.map((k) => k.status)]);
        expect(shape(parsed.users)).toEqual(shape(report.rows.map((r) => r.user)));
      }),
      { numRuns: 1000 },
    );
  });

  it("declares a report of another account unreadable, whatever its rows", () => {
    fc.assert(
      fc.property(reportArb, fc.stringMatching(/^\d{12}$/), (report, other) => {
        fc.pre(other !== report.account && (report.rows.length > 0 || report.root));
        // Act
        const parsed = parseCredentialReport(render(report, lines(report, false)), other);
        // Assess
        expect(parsed.users).toEqual([]);
        expect(parsed.unreadable.length).toBe(report.rows.length + (report.root ? 1 : 0));
      }),
    );
  });
});
