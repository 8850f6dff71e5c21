// The member role template as text: what the StackSet's TemplateBody needs (osls calls this function
// when it resolves ${file(./infra/member-template.cjs)}).
const { readFile } = require("node:fs/promises");
const { join } = require("node:path");

module.exports = async () => readFile(join(__dirname, "member-role.yml"), "utf8");
