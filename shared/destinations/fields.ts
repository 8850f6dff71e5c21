import * as z from "zod/mini";

/**
 * The fields several kinds of destination share: an API base, a token secret, variable names, an
 * account, a region, a path or name template.
 */

export const accountId = z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit AWS account id"));
export const region = z
  .string()
  .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1"));
export const principalArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws(-[a-z]+)*:iam::\d{12}:(user|role)\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/,
      "must be an IAM user or role ARN",
    ),
  );

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])$/;
/** `https://host[:port][/path]`: a host name or IPv6 literal, and a path of RFC 3986's path characters. */
const API_URL = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/[\w.~!$&'()*+,;=:@%/-]*)?$/;

/**
 * Why `url` cannot be a provider's API base, or `null`. The URL is printed in every label of its
 * destination and sent every token: it must hold no credential of its own (a token belongs in
 * `tokenSecret`), no query or fragment, and go over https; plain http only to this machine, where the
 * tests' local provider servers listen.
 */
function apiUrlProblem(url: string): string | null {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? "";
  if (authority.includes("@")) {
    return "must not hold a user name or password (put the token in tokenSecret; the URL is printed in labels)";
  }
  if (/[?#]/.test(url)) return "must not have a query (?) or a fragment (#)";
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const host = /^[a-z]+:\/\/(\[[^\]]*\]|[^:/]*)/i.exec(url)?.[1] ?? "";
  if (scheme !== "https" && !(scheme === "http" && LOOPBACK.test(host))) {
    return "must be an https:// URL (tokens are never sent in clear text; http only to 127.0.0.1)";
  }
  return API_URL.test(url)
    ? null
    : "must be an https:// URL of the provider's API such as https://api.github.com (a host, an optional port and path)";
}

/** A provider's API base: https, or plain http on this machine only (a local server, a test). */
export const apiUrl = z.string().check(
  z.superRefine((url, ctx) => {
    const problem = apiUrlProblem(url);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: url });
  }),
);

/** Where a destination's API token lives: a secret in keyrotor's own account, under `keyrotor-tokens/`. */
export const TOKEN_SECRET_PREFIX = "keyrotor-tokens/";
export const tokenSecret = z
  .string()
  .check(
    z.regex(
      /^keyrotor-tokens\/[A-Za-z0-9/_+=.@-]{1,200}$/,
      `must be the name of a secret under ${TOKEN_SECRET_PREFIX} in keyrotor's account (the only secrets the rotator may read)`,
    ),
  );

/** A CI variable name: letters, digits and `_`, not starting with a digit (what every provider accepts). */
export const variableName = z
  .string()
  .check(
    z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "must be letters, digits and _, not starting with a digit"),
  );
export const names = z.optional(z.strictObject({ accessKeyId: variableName, secretAccessKey: variableName }));

/** Path and name templates may say `{accountId}` and `{userName}`. */
export const template = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9/_+=.@{}-]{1,900}$/, "may hold only letters, digits, /_+=.@- and {placeholders}"),
  );
