import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_INCIDENT_ROWS } from "../../../shared/report/html/incidents";
import { percentOf } from "../../../shared/report/percent";
import { renderHtml } from "../../../shared/report/render-html";
import { sampleOrgReport } from "../../../shared/report/sample";
import {
  type AccountSummary,
  AGE_BANDS,
  type Attention,
  type Incident,
  type OrgReport,
  USE_BANDS,
} from "../../../shared/report/types";

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };

/** Markup as a reader would see it: tags dropped (style and script with their content), entities read. */
function visible(html: string): string {
  return html
    .replace(/<(style|script|title)\b[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ENTITIES[e] ?? "")
    .replace(/\s+/g, " ");
}

/** Each table row of `html` as the visible text of its cells. */
function rows(html: string): string[][] {
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row]) =>
    [...(row ?? "").matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map(([, cell]) =>
      visible(cell ?? "").trim(),
    ),
  );
}

/** The part of the page from the element with `id` to the end of its section. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  return html.slice(start, html.indexOf("</section>", start));
}

const pct = percentOf;
const n = (v: number) => v.toLocaleString("en-US");

const account = (accountId: string, name: string, over: Partial<AccountSummary> = {}): AccountSummary => ({
  accountId,
  name,
  users: 10,
  usersWithKeys: 10,
  keys: 10,
  activeKeys: 10,
  byAge: { "<80": 10, "80-90": 0, "90-100": 0, "100-110": 0, ">=110": 0 },
  byUse: { never: 0, "<45": 10, "45-90": 0, ">=90": 0 },
  rotationCompliant: 10,
  usageCompliant: 10,
  upcoming: { rotations: 0, deactivations: 0, deletions: 0 },
  attention: [],
  ...over,
  // With the default 90 days, IAM.3 and the policy count the same keys.
  iam3Compliant: over.iam3Compliant ?? over.rotationCompliant ?? 10,
});

const withAccounts = (accounts: AccountSummary[], over: Partial<OrgReport> = {}): OrgReport => ({
  ...sampleOrgReport(0),
  accounts,
  attention: accounts.flatMap((a) => a.attention),
  ...over,
});

describe("renderHtml: the facts", () => {
  const report = sampleOrgReport(12);
  const html = renderHtml(report);
  const seen = visible(html);

  it("shows every total, both compliance shares, the next 14 days and the thresholds", () => {
    // Prepare
    const { totals, upcoming } = report;

    // Assess
    const summary = visible(section(html, "summary"));
    for (const figure of [
      totals.accounts,
      totals.users,
      totals.usersWithKeys,
      totals.keys,
      totals.activeKeys,
    ]) {
      expect(summary).toContain(` ${n(figure)} `);
    }
    expect(summary).toContain(`${totals.unreadableAccounts} could not be read`);
    expect(summary).toContain(
      `${pct(totals.rotationCompliant, totals.activeKeys)} ${totals.rotationCompliant} of ${totals.activeKeys} Active keys`,
    );
    expect(summary).toContain(
      `${pct(totals.usageCompliant, totals.activeKeys)} ${totals.usageCompliant} of ${totals.activeKeys} Active keys`,
    );
    expect(summary).toContain(
      `${upcoming.rotations} rotations, ${upcoming.deactivations} deactivations, ${upcoming.deletions} deletions`,
    );
    expect(summary).toContain("rotate at 90 days, deactivate at 100, delete at 110");
    expect(summary).toContain("unused for 45 days");
    expect(seen).toContain("Generated 2026-05-04 06:00 UTC");
  });

  it("charts every age band, every last-use band and every month with its median lateness", () => {
    // Prepare
    const { byAge, byUse, activeKeys } = report.totals;

    // Assess
    const ages = ["under 80 days", "80–90 days", "90–100 days", "100–110 days", "110 days and over"];
    AGE_BANDS.forEach((band, i) => {
      expect(seen).toContain(`${ages[i]} ${byAge[band]} (${pct(byAge[band], activeKeys)})`);
    });
    const uses = {
      never: "never used",
      "<45": "within 45 days",
      "45-90": "45–90 days ago",
      ">=90": "over 90 days ago",
    };
    for (const band of USE_BANDS) {
      expect(seen).toContain(`${uses[band]} ${byUse[band]} (${pct(byUse[band], activeKeys)})`);
    }
    const names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const columns = report.history.map((m) => {
      const label = `${names[Number(m.month.slice(5)) - 1]} ${m.month.slice(0, 4)}`;
      return `${m.rotations} ${label} ${m.medianDaysLate === null ? "—" : `${m.medianDaysLate} d`}`;
    });
    expect(report.history.some((m) => m.medianDaysLate === null)).toBe(true);
    expect(seen).toContain(`rotations median days late ${columns.join(" ")}`);
  });

  it("says how to get rid of keys: the Active keys by advice, in words and as a chart", () => {
    // Prepare
    const { byAdvice, activeKeys } = report.totals;
    if (!byAdvice) throw new Error("the sample has advice");

    // Assess
    const summary = visible(section(html, "summary"));
    expect(summary).toContain(
      `Getting rid of keys An access key is a long-lived credential: rotation shortens its life, a role whose credentials expire on their own ends it. ` +
        `keyrotor's advice for the ${activeKeys} Active keys: ${byAdvice.remove} to remove (unused for 45 days), ` +
        `${byAdvice.oidc} to replace with an OIDC role for the CI that receives them, ` +
        `${byAdvice["scoped-role"]} with a role scoped to the few services they are used with, ` +
        `${byAdvice["roles-anywhere-or-identity-center"]} with IAM Roles Anywhere (a server outside AWS) or IAM Identity Center (a person). ` +
        "keyrotor advise --account ID --user NAME prints one user's advice with its policy documents.",
    );
    const bars = [
      ["remove (unused)", byAdvice.remove],
      ["OIDC role for CI", byAdvice.oidc],
      ["role for a few services", byAdvice["scoped-role"]],
      ["Roles Anywhere / Identity Center", byAdvice["roles-anywhere-or-identity-center"]],
    ] as const;
    expect(summary).toContain(
      `Active keys by advice ${bars.map(([label, v]) => `${label} ${v} (${pct(v, activeKeys)})`).join(" ")}`,
    );
  });

  it("charts the long-lived keys per month from the first month counted, and says how far they fell", () => {
    // Prepare: the sample counts from Sep 2025 on, the last month with accounts carried
    const counted = (report.trend ?? []).filter((m) => m.activeKeys !== null);
    const [first, last] = [counted[0], counted.at(-1)];

    // Assess
    const summary = visible(section(html, "summary"));
    const names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const points = counted.map(
      (m) => `${n(m.activeKeys ?? 0)} ${names[Number(m.month.slice(5)) - 1]} ${m.month.slice(0, 4)}`,
    );
    expect(summary).toContain(`Long-lived (Active) keys per month Active keys ${points.join(" ")}`);
    expect(summary).toContain(
      `Since Sep 2025: ${first?.activeKeys} long-lived keys, now ${last?.activeKeys} (27% fewer).`,
    );
    expect(section(html, "summary").match(/class="trend-dot carried"/g)).toHaveLength(1);
    expect(section(html, "summary").match(/<polyline class="trend-line"/g)).toHaveLength(1);
  });

  it("breaks the line at a month without a count, and says so when no month has one", () => {
    // Prepare
    const month = (m: string, activeKeys: number | null) => ({
      month: m,
      activeKeys,
      accounts: activeKeys === null ? 0 : 1,
      carried: 0,
    });
    const gap = withAccounts([], {
      trend: [
        month("2026-01", null),
        month("2026-02", 9),
        month("2026-03", 8),
        month("2026-04", null),
        month("2026-05", 5),
        month("2026-06", 4),
      ],
    });
    const none = withAccounts([], { trend: [month("2026-05", null), month("2026-06", null)] });

    // Act
    const gapped = renderHtml(gap);
    const empty = visible(renderHtml(none));

    // Assess
    expect(gapped.match(/<polyline class="trend-line" points="[^"]+"/g)).toHaveLength(2);
    expect(visible(gapped)).toContain("Active keys 9 Feb 2026 8 Mar 2026 Apr 2026 5 May 2026 4 Jun 2026");
    expect(visible(gapped)).toContain("Since Feb 2026: 9 long-lived keys, now 4 (56% fewer).");
    expect(empty).toContain("No keyrotor run has counted its Active keys yet.");
  });

  it("gives every account one row with its policy, counts, shares, next 14 days and users needing a person", () => {
    // Act
    const accountRows = rows(section(html, "accounts")).filter((r) => r.length === 10 && r[0] !== "Account");

    // Assess
    expect(accountRows).toHaveLength(report.accounts.length);
    for (const a of report.accounts) {
      const old = a.byAge["90-100"] + a.byAge["100-110"] + a.byAge[">=110"];
      const share = (part: number) => (a.activeKeys === 0 ? "—" : pct(part, a.activeKeys));
      const { rotations, deactivations, deletions } = a.upcoming;
      expect(accountRows).toContainEqual([
        `${a.name} ${a.accountId}${a.error ? ` ${a.error}` : ""}`,
        a.policy ? `${a.policy.name} ${a.policy.mode}, 90 / 100 / 110 days` : "",
        String(a.users),
        String(a.activeKeys),
        share(a.rotationCompliant),
        share(a.usageCompliant),
        String(old),
        String(a.byUse["45-90"] + a.byUse[">=90"]),
        `${rotations} / ${deactivations} / ${deletions}`,
        String(a.attention.length),
      ]);
    }
  });

  it("lists every user who needs a person with account, reason, oldest key and since", () => {
    // Act
    const people = rows(section(html, "attention")).filter((r) => r[0] !== "Account");

    // Assess
    expect(report.attention.length).toBeGreaterThan(2);
    expect(people).toHaveLength(report.attention.length);
    for (const a of report.attention) {
      const name = report.accounts.find((x) => x.accountId === a.accountId)?.name;
      expect(people).toContainEqual([
        `${name} ${a.accountId}`,
        a.userName,
        a.reason,
        a.oldestKeyDays === undefined ? "" : String(a.oldestKeyDays),
        a.since?.slice(0, 10) ?? "",
      ]);
    }
    expect(visible(section(html, "summary"))).toMatch(/\d+ blocked, \d+ failing/);
  });
});

describe("renderHtml: an account listed through IAM", () => {
  it("says its credential report could not be read and its users were listed, and shows it first", () => {
    // Prepare: otherwise fully compliant, so only the note puts it among the accounts to look at first
    const listed = account("111122223333", "Odd", { reportFallback: `1 row (line 3: user a: <b>why</b>)` });
    const report = withAccounts([listed, ...Array.from({ length: 30 }, (_, i) => account(`2${i}`, `A${i}`))]);
    // Act
    const html = renderHtml(report);
    // Assess
    const first = section(html, "accounts").split("<h3>The others</h3>")[0] ?? "";
    expect(visible(first)).toContain(
      "Odd 111122223333 credential report unreadable: 1 row (line 3: user a: <b>why</b>); every user listed through IAM",
    );
    expect(html).not.toContain("<b>why");
  });
});

describe("renderHtml: untrusted names", () => {
  const hostile: Attention = {
    accountId: "111122223333",
    userName: `<img src=x onerror="alert(1)">`,
    kind: "blocked",
    reason: `"><script>alert('reason')</script><a href="https://evil.example/x">`,
    since: "2026-04-01T00:00:00.000Z",
  };
  const report = withAccounts([
    account("111122223333", "</td><iframe src=//evil.example></iframe>&amp;", {
      attention: [hostile],
      error: "<style>body{display:none}</style>",
    }),
  ]);
  const html = renderHtml(report);

  it("renders markup in account names, user names, reasons and errors as text", () => {
    // Assess: the words read as written, and none of them became an element
    const seen = visible(html);
    expect(seen).toContain(`</td><iframe src=//evil.example></iframe>&amp;`);
    expect(seen).toContain(hostile.userName);
    expect(seen).toContain(hostile.reason);
    expect(seen).toContain("<style>body{display:none}</style>");
    expect(html).not.toMatch(/<(img|iframe)\b/);
    // the navigation's four links, and no other
    expect(html.match(/<a\b/g)).toHaveLength(4);
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html.match(/<style\b/g)).toHaveLength(1);
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.filter((t) => /\son\w+=|\ssrc=/i.test(t))).toEqual([]);
  });

  it("pins its one style sheet and one script by hash, with nothing else allowed to load", () => {
    // Prepare
    const sha = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";

    // Act
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];

    // Assess
    expect(policy?.split("; ")).toEqual([
      "default-src 'none'",
      `style-src ${sha(style)}`,
      `script-src ${sha(script)}`,
      "base-uri 'none'",
      "form-action 'none'",
    ]);
    expect(html.indexOf("Content-Security-Policy")).toBeLessThan(html.indexOf("<style>"));
    expect(html).not.toMatch(/\sstyle=/);
  });

  it("refers to no resource: nothing from the network or a file, links only within the page", () => {
    // Prepare: the sample, where no name carries an address
    const sample = renderHtml(sampleOrgReport(40));

    // Assess
    expect(sample).not.toMatch(/https?:\/\//);
    expect(sample).not.toMatch(/\ssrc=|url\(|@import|<link\b/);
    expect([...sample.matchAll(/\shref="([^"]*)"/g)].map(([, h]) => h)).toEqual([
      "#summary",
      "#getting-rid-of-keys",
      "#incidents",
      "#attention",
      "#iam3",
      "#accounts",
      "#out-of-scope",
    ]);
  });

  it("bounds a very long reason", () => {
    // Prepare
    const long = withAccounts([
      account("1", "a", { attention: [{ ...hostile, reason: "x".repeat(5_000) }] }),
    ]);

    // Act
    const page = renderHtml(long);

    // Assess
    expect(page).not.toContain("x".repeat(401));
    expect(page).toContain(`${"x".repeat(399)}…`);
  });
});

describe("renderHtml: incidents", () => {
  const openOne: Incident = {
    accountId: "111122223333",
    userName: "deploy",
    keyId: "AKIAEXPOSED000000002",
    state: "open",
    trigger: "cli",
    source: "cli-20260503T120000Z",
    reason: "pasted in a public issue",
    response: "revoke",
    openedAt: "2026-05-03T12:00:00.000Z",
  };
  const handledOne: Incident = {
    accountId: "444455556666",
    userName: "etl",
    keyId: "AKIAEXPOSED000000001",
    state: "handled",
    trigger: "health",
    source: "arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/E1",
    response: "delete",
    openedAt: "2026-05-01T08:00:00.000Z",
    replacedBy: "AKIAREPLACEMENT00001",
    revokedAt: "2026-05-01T08:01:00.000Z",
    deletedAt: "2026-05-01T08:02:00.000Z",
    handledAt: "2026-05-01T08:02:00.000Z",
  };
  const report = withAccounts([account("111122223333", "Prod"), account("444455556666", "Data")], {
    incidents: [openOne, handledOne],
  });
  const html = renderHtml(report);

  it("has a section listing each exposed key, the most recent first, with what was done and when", () => {
    // Act
    const table = rows(section(html, "incidents"));

    // Assess
    expect(table[0]).toEqual([
      "Account",
      "User",
      "Exposed key",
      "Trigger",
      "Opened",
      "Replacement",
      "Revoked",
      "Deleted",
      "Handled",
    ]);
    expect(table.slice(1)).toEqual([
      [
        "Prod 111122223333",
        "deploy",
        "AKIAEXPOSED000000002",
        "keyrotor rotate cli-20260503T120000Z: pasted in a public issue",
        "2026-05-03 12:00 UTC",
        "",
        "",
        "",
        "open",
      ],
      [
        "Data 444455556666",
        "etl",
        "AKIAEXPOSED000000001",
        "AWS Health arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/E1",
        "2026-05-01 08:00 UTC",
        "AKIAREPLACEMENT00001",
        "2026-05-01 08:01 UTC",
        "2026-05-01 08:02 UTC",
        "2026-05-01 08:02 UTC",
      ],
    ]);
    expect(html).toContain('<td class="bad">open</td>');
  });

  it("says what is left for a person, counts open and handled, and is linked from the top and the summary", () => {
    // Assess
    const seen = visible(section(html, "incidents"));
    expect(seen).toContain("1 open, 1 handled");
    expect(seen).toContain("CloudTrail");
    expect(seen).toContain("AWSCompromisedKeyQuarantine");
    expect(seen).toContain("keyrotor never detaches it");
    expect(html).toContain('<a href="#incidents">Incidents</a>');
    expect(visible(section(html, "summary"))).toContain("Open incidents 1 1 handled");
    expect(html.indexOf('<section id="incidents">')).toBeLessThan(html.indexOf('<section id="attention">'));
  });

  it("has no section, link or card when there are none", () => {
    // Act
    const none = renderHtml(withAccounts([account("111122223333", "Prod")], { incidents: [] }));

    // Assess
    expect(none).not.toContain('id="incidents"');
    expect(none).not.toContain("#incidents");
    expect(none).not.toContain("Open incidents");
  });

  it("escapes the operator's reason and the source, and keeps the page's CSP whole", () => {
    // Prepare
    const hostile = {
      ...openOne,
      reason: `<script>alert(1)</script>`,
      source: `"><img src=x onerror=alert(2)>`,
    };

    // Act
    const page = renderHtml(withAccounts([account("111122223333", "Prod")], { incidents: [hostile] }));

    // Assess
    expect(visible(section(page, "incidents"))).toContain("<script>alert(1)</script>");
    expect(page.match(/<script\b/g)).toHaveLength(1);
    expect(page).not.toMatch(/<img\b/);
    expect(page).not.toMatch(/\sstyle=/);
  });

  it("shows every open incident and at most MAX_INCIDENT_ROWS rows, counting the rest", () => {
    // Prepare: 600 handled ones, newer than the open one
    const many = Array.from({ length: 600 }, (_, i) => ({
      ...handledOne,
      keyId: `AKIAHANDLED${String(i).padStart(9, "0")}`,
      openedAt: `2026-05-02T${String(Math.floor(i / 60) + 10).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00.000Z`,
    }));
    const old = { ...openOne, openedAt: "2026-04-01T00:00:00.000Z" };

    // Act
    const page = section(
      renderHtml(withAccounts([account("111122223333", "Prod")], { incidents: [...many, old] })),
      "incidents",
    );

    // Assess
    expect(rows(page).slice(1)).toHaveLength(MAX_INCIDENT_ROWS);
    expect(visible(page)).toContain(old.keyId);
    expect(visible(page)).toContain(
      `And ${601 - MAX_INCIDENT_ROWS} more handled incidents: see the JSON report.`,
    );
  });
});

describe("renderHtml: accounts, most concerning first", () => {
  it("orders unreadable, then most users needing a person, then least compliant; compliant ones wait", () => {
    // Prepare
    const user = (accountId: string): Attention => ({
      accountId,
      userName: "u",
      kind: "failing",
      reason: "r",
    });
    const report = withAccounts([
      account("000000000001", "Fine"),
      account("000000000002", "Lagging", { rotationCompliant: 4 }),
      account("000000000003", "Two stuck", { attention: [user("000000000003"), user("000000000003")] }),
      account("000000000004", "Unreadable", { error: "AccessDenied" }),
      account("000000000005", "Slightly behind", { usageCompliant: 9 }),
      account("000000000006", "One stuck", { attention: [user("000000000006")], rotationCompliant: 1 }),
      account("000000000007", "Empty", { activeKeys: 0, rotationCompliant: 0, usageCompliant: 0 }),
    ]);

    // Act
    const html = section(renderHtml(report), "accounts");

    // Assess
    const lead = html.slice(0, html.indexOf("<details"));
    expect(
      rows(lead)
        .slice(1)
        .map((r) => r[0]?.split(" 0")[0]),
    ).toEqual(["Unreadable", "Two stuck", "One stuck", "Lagging", "Slightly behind"]);
    expect(visible(html.slice(html.indexOf("<details")))).toMatch(
      /Fully compliant: 1 account .*Fine.* No Active keys: 1 account .*Empty/,
    );
  });

  it("never rounds a share up to 100%, so one stale key in ten thousand still shows", () => {
    // Prepare
    const report = withAccounts([account("1", "Big", { activeKeys: 10_000, rotationCompliant: 9_999 })]);

    // Act
    const html = renderHtml(report);

    // Assess
    expect(visible(html)).toContain(" 99% ");
    expect(visible(html)).not.toContain("100%");
  });

  it("rounds a share to the nearest whole percent: 5 of 9 is 56%, in the cards, the table and the charts", () => {
    // Prepare
    const nine = account("1", "Nine", {
      activeKeys: 9,
      rotationCompliant: 5,
      byAge: { "<80": 5, "80-90": 0, "90-100": 4, "100-110": 0, ">=110": 0 },
    });
    const totals = { ...sampleOrgReport(0).totals, ...nine, accounts: 1, unreadableAccounts: 0 };
    const report = withAccounts([nine], { totals });

    // Act
    const html = renderHtml(report);

    // Assess
    const summary = visible(section(html, "summary"));
    expect(summary).toContain("56% 5 of 9 Active keys");
    expect(summary).toContain("under 80 days 5 (56%)");
    expect(summary).toContain("90–100 days 4 (44%)");
    expect(rows(section(html, "accounts"))[1]).toContain("56%");
    expect(html).not.toMatch(/55\.\d%/);
  });

  it("holds 10,000 accounts: 50 open, the rest collapsed by compliance, each account once, a few MB", () => {
    // Prepare
    const report = sampleOrgReport(10_000);

    // Act
    const html = renderHtml(report);

    // Assess
    const accounts = section(html, "accounts");
    const lead = accounts.slice(0, accounts.indexOf("<details"));
    expect(rows(lead).slice(1)).toHaveLength(50);
    expect(rows(lead)[1]?.[0]).toMatch(/could not assume/);
    const tail = accounts.slice(accounts.indexOf("<details"));
    expect(tail).not.toMatch(/<details open/);
    expect(visible(tail)).toMatch(/Could not be read: \d+ accounts .* Fully compliant: [\d,]+ accounts/);
    const ids = [...accounts.matchAll(/<small>(\d{12})<\/small>/g)].map(([, id]) => id);
    expect(new Set(ids).size).toBe(10_000);
    expect(ids).toHaveLength(10_000);
    expect(Buffer.byteLength(html)).toBeLessThan(8 * 1024 * 1024);
  });

  it("says so when there is nothing to show, without a stray NaN or undefined", () => {
    // Prepare
    const empty = withAccounts([], { history: [], trend: [] });

    // Act
    const seen = visible(renderHtml(empty));

    // Assess
    expect(seen).toContain("Nobody: keyrotor can handle every user by itself.");
    expect(seen).toContain("Every account complies and nobody needs a person.");
    expect(seen).toContain("keyrotor has recorded no rotation yet.");
    expect(seen).toContain("0 to remove (unused for 45 days)");
    expect(seen).not.toMatch(/NaN|undefined|null|Infinity/);
  });
});

describe("sampleOrgReport", () => {
  it("is the same organization every time, its bands and totals adding up", () => {
    // Act
    const report = sampleOrgReport(300);

    // Assess
    expect(sampleOrgReport(300)).toEqual(report);
    for (const a of report.accounts) {
      const ages = AGE_BANDS.reduce((s, b) => s + a.byAge[b], 0);
      const uses = USE_BANDS.reduce((s, b) => s + a.byUse[b], 0);
      const advised = Object.values(a.byAdvice ?? {}).reduce((s, v) => s + v, 0);
      expect([ages, uses, advised]).toEqual([a.activeKeys, a.activeKeys, a.activeKeys]);
      expect(a.rotationCompliant).toBeLessThanOrEqual(a.activeKeys);
    }
    const sum = (pick: (a: AccountSummary) => number) => report.accounts.reduce((s, a) => s + pick(a), 0);
    expect(report.totals.activeKeys).toBe(sum((a) => a.activeKeys));
    expect(report.totals.byAge["90-100"]).toBe(sum((a) => a.byAge["90-100"]));
    expect(report.totals.byAdvice?.oidc).toBe(sum((a) => a.byAdvice?.oidc ?? 0));
    expect(report.trend?.at(-1)?.activeKeys).toBe(report.totals.activeKeys);
    expect(report.attention).toHaveLength(sum((a) => a.attention.length));
    expect(report.totals.unreadableAccounts).toBe(3);
  });

  it("shows an open and a handled incident, the most recent first, on accounts it has", () => {
    // Act
    const report = sampleOrgReport(12);

    // Assess
    expect(report.incidents?.map((i) => [i.accountId, i.state, i.trigger])).toEqual([
      [report.accounts[4]?.accountId, "open", "cli"],
      [report.accounts[1]?.accountId, "handled", "health"],
    ]);
    expect(sampleOrgReport(10_000).incidents).toHaveLength(50);
    expect(sampleOrgReport(0).incidents).toEqual([]);
  });
});

describe("renderHtml: accounts out of scope", () => {
  it("says how many of the organization's accounts it covers and lists those left out, with why", () => {
    // Prepare
    const report = withAccounts([account("1", "Prod"), account("2", "Dev")], {
      totals: { ...sampleOrgReport(0).totals, accounts: 2 },
      outOfScope: [
        { accountId: "333333333333", name: "<b>Sandbox</b>", reason: "excluded by account id" },
        { accountId: "444444444444", name: "Old", reason: "not active (SUSPENDED)" },
      ],
    });

    // Act
    const html = renderHtml(report);

    // Assess
    const seen = visible(html);
    expect(seen).toContain("access keys across 2 of the organization's 4 accounts");
    expect(visible(section(html, "summary"))).toContain("2 out of scope");
    expect(rows(section(html, "out-of-scope")).slice(1)).toEqual([
      ["<b>Sandbox</b> 333333333333", "excluded by account id"],
      ["Old 444444444444", "not active (SUSPENDED)"],
    ]);
    expect(html).not.toContain("<b>Sandbox");
    expect(html).toContain('<a href="#out-of-scope">');
  });

  it("leaves the section out when every account is in scope", () => {
    // Act
    const totals = { ...sampleOrgReport(0).totals, accounts: 1 };
    const html = renderHtml(withAccounts([account("1", "Prod")], { totals, outOfScope: [] }));

    // Assess
    expect(html).not.toContain('id="out-of-scope"');
    expect(visible(html)).toContain("access keys across 1 account ");
  });
});
