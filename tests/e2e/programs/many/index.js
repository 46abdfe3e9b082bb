// `count` tokens, alternately Read-Only and Write, auto-named from their logical names. `flip`
// swaps every token's scope, which replaces every token.
const pulumi = require("@pulumi/pulumi");
const { ApiToken } = require("utho-pulumi-tokens");

const config = new pulumi.Config();
const count = config.requireNumber("count");
const flip = config.getBoolean("flip") ?? false;
for (let i = 0; i < count; i++) {
  new ApiToken(`token-${i}`, { scope: (i % 2 === 0) !== flip ? "read" : "write" });
}
