// Two Utho accounts in one program: `dev` through the provider's credentials, `prod` through
// its own `connection`, whose key comes from secret stack config.
const pulumi = require("@pulumi/pulumi");
const { ApiToken } = require("utho-pulumi-tokens");

const config = new pulumi.Config();
const dev = new ApiToken("dev-reader", { name: "dev-reader" });
const prod = new ApiToken("prod-deployer", {
  name: "prod-deployer",
  scope: "write",
  connection: { apiKey: config.requireSecret("prodApiKey"), baseUrl: config.require("prodBaseUrl") },
});

module.exports = {
  devAccount: dev.accountId,
  prodAccount: prod.accountId,
  prodToken: prod.token,
};
