import * as z from "zod/mini";
import { accountId, names, region, template } from "../fields";
import type { DestinationKind } from "../kind";
import { exact, templateParts, text } from "../places";
import { DEFAULT_VARIABLE_NAMES } from "../types";

const schema = z.strictObject({
  type: z.literal("ssm"),
  /** The parameters `<path>/<name>` (SecureString) are written; under `/` + the secret prefix. */
  path: template,
  /** Another account of the organization (its member role writes); the user's own account by default. */
  account: z.optional(accountId),
  region: z.optional(region),
  names,
});

export type SsmDestination = z.infer<typeof schema>;

/** SecureString parameters in the user's own account, or another account of the organization. */
export const ssmKind: DestinationKind<SsmDestination> = {
  type: "ssm",
  schema,
  placeId: (d) => `ssm:${d.account ?? "{accountId}"}:${d.region ?? "-"}:${d.path}`,
  describe: (d) =>
    `SSM parameters ${d.path}/*${d.account ? ` in account ${d.account}` : ""}${d.region ? ` (${d.region})` : ""}`,
  problems: (d, { secretPrefix }) =>
    d.path.startsWith(`/${secretPrefix}`)
      ? []
      : [`ssm: path must start with /${secretPrefix} (where keyrotor's member role may write)`],
  template: {
    get: (d) => d.path,
    set: (d, path) => ({ ...d, path }),
    elsewhere: (d) => d.account !== undefined,
  },
  places(d) {
    const names = d.names ?? DEFAULT_VARIABLE_NAMES;
    const path = templateParts(d.path.replace(/\/+$/, ""));
    const account = d.account === undefined ? { kind: "accountId" as const } : text(d.account);
    const where = d.region === undefined ? { kind: "anyRegion" as const } : text(d.region);
    return (["accessKeyId", "secretAccessKey"] as const).map((half) => ({
      fields: [
        exact("ssm"),
        { parts: [...path, text(`/${names[half]}`)], fold: "exact" },
        { parts: [account], fold: "exact" },
        { parts: [where], fold: "exact" },
      ],
      half,
      label: ([, name, accountId, at]) =>
        `SSM parameter ${name} in account ${accountId}${at ? ` (${at})` : ""}`,
    }));
  },
};
