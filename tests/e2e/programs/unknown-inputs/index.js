// `later`'s inputs come from `source`'s outputs, which a preview of a new stack does not know
// yet: what a program does with another resource's output. Both are auto-named.
const { ApiToken } = require("utho-pulumi-tokens");

const source = new ApiToken("source", {});
// Known only once `source` exists; the values are fixed, so a second run changes nothing.
const fromSource = (value) => source.createdAt.apply(() => value);
const later = new ApiToken("later", {
  rotation: fromSource("2026-Q4"),
  keepers: fromSource({ image: "v1" }),
  rotateAfter: fromSource("30d"),
  overlap: fromSource("7d"),
  expiresAt: fromSource("2099-01-01T00:00:00Z"),
  verify: fromSource(true),
  onMissing: fromSource("fail"),
});

module.exports = { sourceName: source.name, laterName: later.name };
