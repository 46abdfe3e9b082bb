// The typed classes of utho-pulumi-tokens/plugin, as stack config sets them:
// - `args`: one token, `token`, whose args are taken as they are from this JSON (bad ones too);
// - `prodApiKey` (secret) and `prodBaseUrl`: a `Provider` for a second account, and a token in it;
// - `importId` and `importName`: a hand-made Write token imported by its Utho id (`opts.import`);
// - `count`: that many Read-Only tokens, auto-named from token-0, token-1, ...
const pulumi = require("@pulumi/pulumi");
const { ApiToken, Provider } = require("utho-pulumi-tokens/plugin");

const config = new pulumi.Config();
const outputs = {};

const args = config.getObject("args");
if (args !== undefined) {
  const token = new ApiToken("token", args);
  Object.assign(outputs, {
    id: token.id,
    tokenId: token.tokenId,
    token: token.token,
    previousToken: token.previousToken,
    previousTokenId: token.previousTokenId,
    expired: token.expired,
  });
}

const prodApiKey = config.getSecret("prodApiKey");
if (prodApiKey !== undefined) {
  const prod = new Provider("prod", { apiKey: prodApiKey, baseUrl: config.require("prodBaseUrl") });
  const prodToken = new ApiToken("prod-reader", { name: "prod-reader" }, { provider: prod });
  Object.assign(outputs, { prodAccount: prodToken.accountId, prodToken: prodToken.token });
}

const importId = config.get("importId");
if (importId !== undefined) {
  const imported = new ApiToken(
    "imported",
    { name: config.require("importName"), scope: "write" },
    { import: importId },
  );
  outputs.importedTokenId = imported.tokenId;
}

for (let i = 0; i < (config.getNumber("count") ?? 0); i++) new ApiToken(`token-${i}`);

module.exports = outputs;
