import * as z from "zod/mini";
import type { VariableNames } from "../types";
import { isSmtpRegion, SMTP_REGIONS, type SmtpRegion, smtpHost } from "./derive";
import type { SmtpEndpoint } from "./verify";

/**
 * A binding's `smtp` option: its users send mail through SES's SMTP interface, so its destinations get
 * each Region's SMTP user name (the access key id) and password (derived from the secret access key)
 * instead of the key. One pair of variables per Region, under names that say the Region when there
 * are several.
 */

const smtpRegion = z.string().check(
  z.superRefine((region, ctx) => {
    if (!isSmtpRegion(region)) {
      ctx.addIssue({
        code: "custom",
        message: `${region} has no SES SMTP endpoint (SES has one in ${SMTP_REGIONS.join(", ")})`,
        input: region,
      });
    }
  }),
);

/** A variable name that may say `{region}` (filled in as e.g. `EU_WEST_1`). */
const smtpVariableName = z
  .string()
  .check(
    z.regex(
      /^([A-Za-z_]|\{region\})([A-Za-z0-9_]|\{region\}){0,127}$/,
      "must be letters, digits, _ and {region}, not starting with a digit",
    ),
  );

export const smtpSchema = z.strictObject({
  /** The Regions whose SES the users send through: one password each (a password is bound to its Region). */
  regions: z.array(smtpRegion).check(z.minLength(1, "must name at least one Region")),
  /** The variables the user name and the password are written under; `{region}` says the Region. */
  names: z.optional(z.strictObject({ username: smtpVariableName, password: smtpVariableName })),
  /** Whether keyrotor logs in to each Region's SMTP endpoint with the new credentials before writing them. */
  verify: z._default(z.boolean(), false),
  /**
   * Where the check connects instead of `email-smtp.<region>.amazonaws.com:587`, as `host:port` (may say
   * `{region}`): an SES SMTP VPC endpoint, or a local server in tests.
   */
  endpoint: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^([A-Za-z0-9-]+|\{region\})(\.([A-Za-z0-9-]+|\{region\}))*:\d{1,5}$/,
          "must be host:port, e.g. vpce-0123.email-smtp.{region}.vpce.amazonaws.com:587",
        ),
      ),
  ),
});

export type SmtpOption = z.infer<typeof smtpSchema>;

/** What a destination of an `smtp` binding delivers for one Region. */
export interface SmtpDelivery {
  readonly region: SmtpRegion;
  readonly verify: boolean;
  readonly endpoint: SmtpEndpoint;
}

/** `eu-west-1` as it reads in a variable name: `EU_WEST_1`. */
const inName = (region: string) => region.toUpperCase().replaceAll("-", "_");

/** The names one Region's user name and password are written under. */
export function smtpNames(option: SmtpOption, region: string): VariableNames {
  const several = option.regions.length > 1;
  const names = option.names ?? {
    username: several ? "SMTP_USERNAME_{region}" : "SMTP_USERNAME",
    password: several ? "SMTP_PASSWORD_{region}" : "SMTP_PASSWORD",
  };
  const fill = (name: string) => name.replaceAll("{region}", inName(region));
  return { accessKeyId: fill(names.username), secretAccessKey: fill(names.password) };
}

/** How a Region's delivery checks its credentials. */
export function smtpDelivery(option: SmtpOption, region: SmtpRegion): SmtpDelivery {
  const configured = option.endpoint?.replaceAll("{region}", region);
  if (!configured) return { region, verify: option.verify, endpoint: { host: smtpHost(region), port: 587 } };
  const colon = configured.lastIndexOf(":");
  const endpoint = { host: configured.slice(0, colon), port: Number(configured.slice(colon + 1)) };
  return { region, verify: option.verify, endpoint };
}

/**
 * What a binding's `smtp` option gets wrong, given its destinations' types and whether they name
 * variables of their own; each message starts with `smtp`.
 */
export function smtpProblems(
  option: SmtpOption,
  destinations: readonly { readonly type: string; readonly names?: unknown }[],
): { readonly destination?: number; readonly message: string }[] {
  const problems: { destination?: number; message: string }[] = [];
  const repeated = option.regions.filter((r, i) => option.regions.indexOf(r) !== i);
  if (repeated.length > 0) problems.push({ message: `smtp: regions name ${repeated.join(", ")} twice` });
  if (option.names) {
    const { username, password } = option.names;
    if (username.toUpperCase() === password.toUpperCase()) {
      problems.push({ message: "smtp: names.username and names.password name one variable" });
    } else if (
      option.regions.length > 1 &&
      !(username.includes("{region}") && password.includes("{region}"))
    ) {
      problems.push({
        message:
          "smtp: with several regions, names.username and names.password must say {region} (one pair per Region)",
      });
    }
  }
  destinations.forEach((d, j) => {
    if (d.type === "secrets-manager") {
      problems.push({
        destination: j,
        message:
          "smtp: a secrets-manager destination holds the key itself (a central copy), not SMTP credentials: bind it without smtp",
      });
    } else if (d.names !== undefined) {
      problems.push({
        destination: j,
        message: "smtp: the variable names come from smtp.names: remove this destination's names",
      });
    }
  });
  return problems;
}
