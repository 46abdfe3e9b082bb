// The engine floor: `count` dynamic resources shaped like the ApiTokens of the bench program
// (same inputs, a secret output), whose provider makes no request and does no work.
const pulumi = require("@pulumi/pulumi");

const nothing = {
  async create(inputs) {
    return { id: require("node:crypto").randomUUID(), outs: { ...inputs, token: "floor" } };
  },
  async read(id, props) {
    return { id, props };
  },
  async delete() {},
};

const count = new pulumi.Config().requireNumber("count");
for (let i = 0; i < count; i++) {
  new pulumi.dynamic.Resource(
    nothing,
    `token-${i}`,
    { scope: i % 2 === 0 ? "read" : "write", token: undefined },
    { additionalSecretOutputs: ["token"] },
    "bench",
    "Floor",
  );
}
