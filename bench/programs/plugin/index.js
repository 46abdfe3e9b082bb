// The bench's tokens program (tests/e2e/programs/many) with the plugin's ApiToken: `count`
// tokens, alternately Read-Only and Write, auto-named from their logical names.
const pulumi = require("@pulumi/pulumi");
const { ApiToken } = require("utho-pulumi-tokens/plugin");

const count = new pulumi.Config().requireNumber("count");
for (let i = 0; i < count; i++) {
  new ApiToken(`token-${i}`, { scope: i % 2 === 0 ? "read" : "write" });
}
