import type { Advice, AdviceItem, LastUse, OidcRole, PolicyDocument } from "../shared/advice/types";

/** `keyrotor advise`'s text: each piece of advice, why, and the documents to review. */

const indent = (text: string, by = "    ") =>
  text
    .split("\n")
    .map((line) => (line ? `${by}${line}` : line))
    .join("\n");

const json = (doc: PolicyDocument) => indent(JSON.stringify(doc, null, 2));

function useLine(use: LastUse): string {
  if (use.at === undefined) return `${use.key}: last use not known`;
  if (use.at === null) return `${use.key}: never used`;
  const where = `${use.service ? ` with ${use.service}` : ""}${use.region ? ` in ${use.region}` : ""}`;
  return `${use.key}: last used ${use.at.slice(0, 10)}${where}`;
}

function roleText(role: OidcRole): string[] {
  return [
    "",
    "  Identity providers (IAM > Identity providers, once per account; keep any that exists):",
    ...role.providers.map((p) => `    ${p.url}  audience ${p.audience}`),
    "",
    `  Trust policy of role ${role.roleName}:`,
    json(role.trustPolicy),
    "",
    "  Permissions policy (a skeleton from the keys' last uses: narrow it to what the jobs call):",
    json(role.permissionsPolicy),
    ...role.pipelines.flatMap((p) => [
      "",
      `  ${p.destination}: in ${p.where}:`,
      ...p.lines.map((line) => `    ${line}`),
      `  then delete ${p.remove.join(" and ")} there.`,
    ]),
    ...(role.placeholders.length > 0
      ? ["", "  Fill in:", ...role.placeholders.map((p) => `    <${p.name}>: ${p.meaning}`)]
      : []),
    ...(role.notes.length > 0 ? ["", "  Notes:", ...role.notes.map((n) => `    - ${n}`)] : []),
  ];
}

function itemText(item: AdviceItem, n: number): string[] {
  const lines = [
    `${n}. ${item.kind}: ${item.summary}`,
    `  Why: ${item.why}`,
    ...item.lastUses.map((u) => `  ${useLine(u)}`),
  ];
  if (item.kind === "oidc") lines.push(...roleText(item.role));
  if (item.kind === "scoped-role") {
    lines.push(
      "",
      "  Permissions policy (a skeleton from the keys' last uses):",
      json(item.permissionsPolicy),
    );
  }
  return lines;
}

/** The advice as text: a heading, then each item with its why, its keys' last uses and its documents. */
export function formatAdvice(advice: Advice): string {
  const heading = `${advice.userName} in ${advice.accountId}, ${advice.activeKeys} Active ${advice.activeKeys === 1 ? "key" : "keys"}, as of ${advice.asOf}`;
  if (advice.items.length === 0) return `${heading}\nNo Active key: nothing to advise.`;
  return [
    heading,
    ...advice.items.flatMap((item, i) => ["", ...itemText(item, i + 1)]),
    "",
    "keyrotor created nothing: review the documents, make the change, then delete the key.",
  ].join("\n");
}
