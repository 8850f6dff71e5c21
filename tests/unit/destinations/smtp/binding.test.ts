import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../../shared/config";
import { destinationsOf } from "../../../../shared/destinations/validate";
import { ConfigError } from "../../../../shared/errors";

const minimal = { senderEmail: "keyrotor@example.com", deliveryKmsKeyId: "alias/keyrotor-deliveries" };
const A = "111111111111";
const B = "222222222222";
const gitlab = { type: "gitlab", project: "acme/mail", tokenSecret: "keyrotor-tokens/gitlab" };

/** The problems parseConfig names for `deliveries`, or "" when it accepts them. */
function problemsOf(deliveries: unknown[]): string {
  try {
    parseConfig({ ...minimal, deliveries });
    return "";
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}

const deliveriesOf = (deliveries: unknown[]) => parseConfig({ ...minimal, deliveries }).deliveries;

describe("deliveries: the smtp option of a binding", () => {
  it("gives each destination the Region's SMTP user name and password under SMTP_USERNAME / SMTP_PASSWORD", () => {
    // Prepare
    const deliveries = deliveriesOf([
      { account: A, user: "mailer", destinations: [gitlab], smtp: { regions: ["eu-west-1"] } },
    ]);

    // Act
    const bound = destinationsOf(deliveries, A, "mailer");

    // Assess
    expect(bound).toHaveLength(1);
    expect(bound[0]?.destination).toMatchObject({
      type: "gitlab",
      names: { accessKeyId: "SMTP_USERNAME", secretAccessKey: "SMTP_PASSWORD" },
    });
    expect(bound[0]?.smtp).toEqual({
      region: "eu-west-1",
      verify: false,
      endpoint: { host: "email-smtp.eu-west-1.amazonaws.com", port: 587 },
    });
    expect(bound[0]?.label).toBe(
      "GitLab CI/CD variables of project acme/mail (scope *) as SMTP_USERNAME/SMTP_PASSWORD (SES SMTP, eu-west-1)",
    );
  });

  it("writes one pair per Region, the Region in the names, each its own destination", () => {
    // Prepare
    const deliveries = deliveriesOf([
      {
        account: A,
        user: "mailer",
        destinations: [gitlab],
        smtp: { regions: ["eu-west-1", "us-east-1"], verify: true },
      },
      {
        account: B,
        user: "mailer",
        destinations: [gitlab],
        smtp: {
          regions: ["eu-central-1", "ap-south-1"],
          names: { username: "MAIL_{region}_USER", password: "MAIL_{region}_PASS" },
          endpoint: "vpce-0123.email-smtp.{region}.vpce.amazonaws.com:2587",
        },
      },
    ]);

    // Act
    const [ofA, ofB] = [destinationsOf(deliveries, A, "mailer"), destinationsOf(deliveries, B, "mailer")];

    // Assess
    expect(
      ofA.map((b) => [
        b.destination.type === "gitlab" && b.destination.names,
        b.smtp?.region,
        b.smtp?.verify,
      ]),
    ).toEqual([
      [
        { accessKeyId: "SMTP_USERNAME_EU_WEST_1", secretAccessKey: "SMTP_PASSWORD_EU_WEST_1" },
        "eu-west-1",
        true,
      ],
      [
        { accessKeyId: "SMTP_USERNAME_US_EAST_1", secretAccessKey: "SMTP_PASSWORD_US_EAST_1" },
        "us-east-1",
        true,
      ],
    ]);
    expect(new Set(ofA.map((b) => b.id)).size).toBe(2);
    expect(
      ofB.map((b) => [b.destination.type === "gitlab" && b.destination.names?.accessKeyId, b.smtp?.endpoint]),
    ).toEqual([
      [
        "MAIL_EU_CENTRAL_1_USER",
        { host: "vpce-0123.email-smtp.eu-central-1.vpce.amazonaws.com", port: 2587 },
      ],
      ["MAIL_AP_SOUTH_1_USER", { host: "vpce-0123.email-smtp.ap-south-1.vpce.amazonaws.com", port: 2587 }],
    ]);
  });

  it.each([
    [
      "a Region without an SMTP endpoint, named",
      [
        {
          account: A,
          user: "mailer",
          destinations: [gitlab],
          smtp: { regions: ["eu-west-1", "af-south-1"] },
        },
      ],
      "deliveries[0].smtp.regions[1]: af-south-1 has no SES SMTP endpoint",
    ],
    [
      "a central copy (it holds the key itself)",
      [
        {
          account: A,
          user: "mailer",
          destinations: [
            gitlab,
            { type: "secrets-manager", account: B, name: "keyrotor/central/{accountId}/{userName}" },
          ],
          smtp: { regions: ["eu-west-1"] },
        },
      ],
      "deliveries[0].destinations[1]: smtp: a secrets-manager destination holds the key itself",
    ],
    [
      "several Regions under names without {region}",
      [
        {
          account: A,
          user: "mailer",
          destinations: [gitlab],
          smtp: {
            regions: ["eu-west-1", "us-east-1"],
            names: { username: "SMTP_USER", password: "SMTP_PASS" },
          },
        },
      ],
      "deliveries[0].smtp: smtp: with several regions, names.username and names.password must say {region}",
    ],
    [
      "one variable for the user name and the password",
      [
        {
          account: A,
          user: "mailer",
          destinations: [gitlab],
          smtp: { regions: ["eu-west-1"], names: { username: "SMTP", password: "smtp" } },
        },
      ],
      "deliveries[0].smtp: smtp: names.username and names.password name one variable",
    ],
    [
      "a destination's own names (smtp.names say them)",
      [
        {
          account: A,
          user: "mailer",
          destinations: [{ ...gitlab, names: { accessKeyId: "A", secretAccessKey: "B" } }],
          smtp: { regions: ["eu-west-1"] },
        },
      ],
      "deliveries[0].destinations[0]: smtp: the variable names come from smtp.names",
    ],
    [
      "a Region named twice",
      [{ account: A, user: "mailer", destinations: [gitlab], smtp: { regions: ["eu-west-1", "eu-west-1"] } }],
      "deliveries[0].smtp: smtp: regions name eu-west-1 twice",
    ],
    [
      "an endpoint that is not host:port",
      [
        {
          account: A,
          user: "mailer",
          destinations: [gitlab],
          smtp: { regions: ["eu-west-1"], endpoint: "smtp://relay" },
        },
      ],
      "deliveries[0].smtp.endpoint: must be host:port",
    ],
    [
      "a wildcard user on a CI destination (one user's credentials per place)",
      [{ account: A, user: "mail-*", destinations: [gitlab], smtp: { regions: ["eu-west-1"] } }],
      "deliveries[0].destinations[0]: gitlab: a CI destination takes one user's key",
    ],
  ])("refuses %s, naming the field", (_, deliveries, expected) => {
    // Act
    const problems = problemsOf(deliveries);

    // Assess
    expect(problems).toContain(expected);
  });

  it("sees the SMTP names when it looks for two writes in one place", () => {
    // Prepare
    const smtpBinding = {
      account: A,
      user: "mailer",
      destinations: [gitlab],
      smtp: { regions: ["eu-west-1"] },
    };
    const otherUser = {
      account: B,
      user: "ci",
      destinations: [{ ...gitlab, names: { accessKeyId: "SMTP_USERNAME", secretAccessKey: "OTHER" } }],
    };
    const sameUserRaw = {
      account: A,
      user: "mailer",
      destinations: [
        { ...gitlab, names: { accessKeyId: "SMTP_USERNAME", secretAccessKey: "SMTP_PASSWORD" } },
      ],
    };
    const elsewhere = { account: B, user: "ci", destinations: [gitlab] };

    // Act
    const [twoUsers, twice, apart] = [
      problemsOf([smtpBinding, otherUser]),
      problemsOf([smtpBinding, sameUserRaw]),
      problemsOf([smtpBinding, elsewhere]),
    ];

    // Assess
    expect(twoUsers).toContain(
      "deliveries[1].destinations[0]: could write GitLab variable SMTP_USERNAME (scope *) of project acme/mail, which deliveries[0].destinations[0] (SMTP eu-west-1) writes for another user",
    );
    expect(twice).toContain(
      "deliveries[1].destinations[0]: writes where deliveries[0].destinations[0] (SMTP eu-west-1) already does",
    );
    expect(apart).toBe("");
  });
});
