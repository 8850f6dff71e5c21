// Service-managed StackSets skip the management account, so keyrotor's own stack creates the same
// member and reader roles there. This reads infra/member-role.yml (the one source of the roles) and
// binds its parameters to this stack: the rotator and reporter roles by GetAtt, the rest from the
// service's params.
const { readFile } = require("node:fs/promises");
const { join } = require("node:path");
const yaml = require("js-yaml");

const tag = (name, kind, construct = (data) => data) =>
  new yaml.Type(`!${name}`, {
    kind,
    construct: (data) => ({
      [name === "Ref" || name === "Condition" ? name : `Fn::${name}`]: construct(data),
    }),
  });
/** The CloudFormation short forms keyrotor's templates use (serverless.yml and infra/member-role.yml). */
const schema = yaml.DEFAULT_SCHEMA.extend([
  tag("Ref", "scalar"),
  tag("Condition", "scalar"),
  tag("Sub", "scalar"),
  tag("Sub", "sequence"),
  tag("GetAtt", "scalar", (data) => data.split(".")),
  tag("GetAtt", "sequence"),
  ...["Select", "Split", "Join", "If", "Equals", "Not", "And", "Or"].map((name) => tag(name, "sequence")),
]);

/**
 * Replaces the template's parameters: `Ref` nodes by their value, `${Name}` in `Fn::Sub` by literals
 * (not the names an `Fn::Sub` defines for itself).
 */
function bind(node, values) {
  if (Array.isArray(node)) return node.map((item) => bind(item, values));
  if (node === null || typeof node !== "object") return node;
  if (typeof node.Ref === "string" && node.Ref in values) return values[node.Ref];
  const sub = node["Fn::Sub"];
  const [text, locals] = Array.isArray(sub) ? sub : [sub, undefined];
  if (typeof text === "string") {
    const substituted = text.replace(/\$\{(\w+)\}/g, (whole, name) =>
      typeof values[name] === "string" && !(locals && name in locals) ? values[name] : whole,
    );
    // Nothing left to substitute: a literal (cfn-lint warns of an Fn::Sub without variables).
    if (!locals && !substituted.includes("${")) return substituted;
    return { "Fn::Sub": locals ? [substituted, bind(locals, values)] : substituted };
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, bind(value, values)]));
}

module.exports = async ({ resolveVariable }) => {
  const template = yaml.load(await readFile(join(__dirname, "member-role.yml"), "utf8"), { schema });
  const values = {
    RotatorRoleArn: { "Fn::GetAtt": ["RotatorRole", "Arn"] },
    ReporterRoleArn: { "Fn::GetAtt": ["ReporterRole", "Arn"] },
    OrganizationId: await resolveVariable("param:organizationId"),
    MemberRoleName: await resolveVariable("self:custom.keyrotor.settings.memberRoleName"),
    SecretPrefix: await resolveVariable("self:custom.keyrotor.settings.secretPrefix"),
  };
  const create = String(await resolveVariable("param:createManagementRole")) !== "false";
  if (!create) return {};
  // The member template's condition (its stack in keyrotor's region) holds here: this stack is there.
  const role = ({ Condition: _inKeyrotorRegion, ...resource }) => bind(resource, values);
  return {
    Resources: {
      ManagementMemberRole: role(template.Resources.MemberRole),
      ManagementMemberReaderRole: role(template.Resources.MemberReaderRole),
    },
  };
};

module.exports.bind = bind;
module.exports.schema = schema;
