// The floor's dynamic provider: installed in the project's node_modules (bench/cli-runs.ts), so
// the closure serializer records it by reference, a `require` of this module, as it records
// ours. It makes no request and does no work, and answers with outputs of the same shape as an
// ApiToken's.
const crypto = require("node:crypto");

exports.create = async (inputs) => {
  const id = String(crypto.randomInt(100_000, 1_000_000_000));
  const outs = {
    ...inputs,
    name: `${inputs.namePrefix}-${crypto.randomBytes(8).toString("hex")}`,
    createdAt: "2026-12-04 10:00:00",
    tokenId: id,
    accountId: "41250",
    token: crypto.randomBytes(32).toString("hex"),
    fingerprint: `sha256:${crypto.randomBytes(8).toString("hex")}`,
    rotatedAt: new Date().toISOString(),
    autoNamed: true,
  };
  return { id, outs };
};
exports.read = async (id, props) => ({ id, props });
exports.delete = async () => {};
