// Service-managed StackSets skip the management account, so keyrotor's own stack creates the same
// member role there. This reads infra/member-role.yml (the one source of the role) and binds its
// parameters to this stack: the rotator role by GetAtt, the rest from the service's params.
const { readFile } = require("node:fs/promises");
const { join } = require("node:path");
const yaml = require("js-yaml");

const tag = (name, kind, construct = (data) => data) =>
  new yaml.Type(`!${name}`, {
    kind,
    construct: (data) => ({ [name === "Ref" ? "Ref" : `Fn::${name}`]: construct(data) }),
  });
const schema = yaml.DEFAULT_SCHEMA.extend([
  tag("Ref", "scalar"),
  tag("Sub", "scalar"),
  tag("GetAtt", "scalar", (data) => data.split(".")),
]);

/** Replaces the template's parameters: `Ref` nodes by their value, `${Name}` in `Fn::Sub` by literals. */
function bind(node, values) {
  if (Array.isArray(node)) return node.map((item) => bind(item, values));
  if (node === null || typeof node !== "object") return node;
  if (typeof node.Ref === "string" && node.Ref in values) return values[node.Ref];
  if (typeof node["Fn::Sub"] === "string") {
    return {
      "Fn::Sub": node["Fn::Sub"].replace(/\$\{(\w+)\}/g, (whole, name) =>
        typeof values[name] === "string" ? values[name] : whole,
      ),
    };
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, bind(value, values)]));
}

module.exports = async ({ resolveVariable }) => {
  const template = yaml.load(await readFile(join(__dirname, "member-role.yml"), "utf8"), { schema });
  const values = {
    RotatorRoleArn: { "Fn::GetAtt": ["RotatorRole", "Arn"] },
    OrganizationId: await resolveVariable("param:organizationId"),
    MemberRoleName: await resolveVariable("param:memberRoleName"),
    SecretPrefix: await resolveVariable("param:secretPrefix"),
  };
  const create = String(await resolveVariable("param:createManagementRole")) !== "false";
  return create ? { Resources: { ManagementMemberRole: bind(template.Resources.MemberRole, values) } } : {};
};

module.exports.bind = bind;
module.exports.schema = schema;
