// `count` Read-Only tokens with explicit names, `shared-0` and so on: two stacks of this program
// in one account declare the same names.
const pulumi = require("@pulumi/pulumi");
const { ApiToken } = require("utho-pulumi-tokens");

const count = new pulumi.Config().requireNumber("count");
for (let i = 0; i < count; i++) new ApiToken(`token-${i}`, { name: `shared-${i}`, scope: "read" });
