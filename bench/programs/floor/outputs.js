// The outputs an ApiToken declares, unset: provider/outputs.ts's `unresolvedOutputs`, copied
// rather than required, for the floor runs none of our code. tests/bench/floor-shape.test.ts
// keeps the two in step, so the floor keeps the program's shape.
exports.unresolvedOutputs = () => ({
  createdAt: undefined,
  tokenId: undefined,
  accountId: undefined,
  token: undefined,
  fingerprint: undefined,
  rotationDueAt: undefined,
  rotatedAt: undefined,
  previousToken: undefined,
  previousTokenId: undefined,
  previousRevokeAt: undefined,
  expired: undefined,
  missing: undefined,
  unverified: undefined,
});
