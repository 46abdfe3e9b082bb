// One ApiToken; `scope`, `name` and `rotation` come from stack config so a test can change them.
const pulumi = require("@pulumi/pulumi");
const { ApiToken } = require("utho-pulumi-tokens");

const config = new pulumi.Config();
const token = new ApiToken("token", {
  scope: config.get("scope"),
  name: config.get("name"),
  rotation: config.get("rotation"),
});

module.exports = { id: token.id, name: token.name, scope: token.scope, token: token.token };
