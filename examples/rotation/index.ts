// Scheduled rotation without an outage. Utho has no "regenerate" and no expiry: rotating means
// minting a new token and revoking the old one. `rotateAfter` makes a token due 90 days after
// it was minted; the first `pulumi up` from then on (a daily scheduled pipeline, say) mints the
// new one, and `overlap` keeps the old one valid for 7 more days as `previousToken`, so
// consumers that pick up the new secret late keep working. The time is the provider's, never
// this program's: `preview` and the `up` after it agree.
import { ApiToken } from "utho-pulumi-tokens";

const deployer = new ApiToken("deployer", { scope: "write", rotateAfter: "90d", overlap: "7d" });

/** The secret consumers should use now. */
export const deployerToken = deployer.token;
export const deployerFingerprint = deployer.fingerprint;
export const deployerTokenId = deployer.tokenId;
export const rotationDueAt = deployer.rotationDueAt;
export const rotatedAt = deployer.rotatedAt;
// The previous token exists only during an overlap. An undefined output draws Pulumi's
// "Undefined value (previousToken) will not show as a stack output" warning on every run: these
// are null outside an overlap.
/** The secret the last rotation replaced: it keeps working until previousRevokeAt. */
export const previousToken = deployer.previousToken.apply((secret) => secret ?? null);
export const previousTokenId = deployer.previousTokenId.apply((id) => id ?? null);
export const previousRevokeAt = deployer.previousRevokeAt.apply((at) => at ?? null);
