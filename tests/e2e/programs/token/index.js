// One ApiToken; its inputs come from stack config so a test can change them (`keepers` as JSON).
const pulumi = require("@pulumi/pulumi");
const { ApiToken } = require("utho-pulumi-tokens");

const config = new pulumi.Config();
const token = new ApiToken("token", {
  scope: config.get("scope"),
  name: config.get("name"),
  rotation: config.get("rotation"),
  keepers: config.getObject("keepers"),
  rotateAfter: config.get("rotateAfter"),
  overlap: config.get("overlap"),
  expiresAt: config.get("expiresAt"),
  verify: config.getBoolean("verify"),
  onMissing: config.get("onMissing"),
});

module.exports = {
  id: token.id,
  name: token.name,
  scope: token.scope,
  token: token.token,
  fingerprint: token.fingerprint,
  rotationDueAt: token.rotationDueAt,
  tokenId: token.tokenId,
  rotatedAt: token.rotatedAt,
  previousToken: token.previousToken,
  previousTokenId: token.previousTokenId,
  previousRevokeAt: token.previousRevokeAt,
  expired: token.expired,
};
