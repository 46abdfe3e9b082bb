// Adopts an existing token: its id and name from config, its secret from secret config.
// `retain: true` keeps the token in Utho when the resource is deleted (Pulumi's retainOnDelete).
const pulumi = require("@pulumi/pulumi");
const { ApiToken } = require("utho-pulumi-tokens");

const config = new pulumi.Config();
const token = new ApiToken(
  "adopted",
  {
    name: config.require("name"),
    scope: config.require("scope"),
    adopt: { id: config.require("adoptId"), token: config.getSecret("adoptSecret") },
  },
  { retainOnDelete: config.getBoolean("retain") ?? false },
);

module.exports = { id: token.id, token: token.token };
