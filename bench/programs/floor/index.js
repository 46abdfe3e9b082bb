// The engine floor: the cheapest program of the bench program's shape. `count` dynamic
// resources registered like ApiTokens (the same declared outputs and inputs, secret outputs and
// alias), whose provider (./provider, installed as a package so it is serialized by reference,
// as ours is) makes no request and does no work.
const pulumi = require("@pulumi/pulumi");
const provider = require("bench-floor-provider");
const { unresolvedOutputs } = require("./outputs");

class FloorToken extends pulumi.dynamic.Resource {
  constructor(name, args) {
    const props = {
      ...unresolvedOutputs(),
      name: undefined,
      scope: args.scope,
      namePrefix: name,
      previewing: pulumi.runtime.isDryRun() ? true : undefined,
    };
    super(
      provider,
      name,
      props,
      {
        additionalSecretOutputs: ["token", "previousToken", "connection"],
        aliases: [{ type: "bench:index:LegacyFloor" }],
      },
      "bench",
      "Floor",
    );
  }
}

const count = new pulumi.Config().requireNumber("count");
for (let i = 0; i < count; i++) new FloorToken(`token-${i}`, { scope: i % 2 === 0 ? "read" : "write" });
