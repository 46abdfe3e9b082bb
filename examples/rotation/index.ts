// Rotation without an outage. Utho has no "regenerate": rotating means minting a new token and
// revoking the old. `rotation` does that whenever its value changes (new token first, then the
// old one is revoked). With a single token, consumers still holding the old secret fail the
// moment `pulumi up` finishes; two slots rotated on alternate quarters give them a full quarter
// to move to the fresh secret. Run `pulumi up` on a schedule (for example weekly in CI).
import { ApiToken } from "utho-pulumi-tokens";

/** Quarters since year 0: 2026-Q4 is 2026 * 4 + 3. */
function quarterIndex(date: Date): number {
  return date.getUTCFullYear() * 4 + Math.floor(date.getUTCMonth() / 3);
}

const quarter = quarterIndex(new Date());

// Slot A rotates when the quarter becomes odd, slot B when it becomes even.
const slotA = new ApiToken("deployer-a", {
  scope: "write",
  rotation: `epoch-${Math.floor((quarter + 1) / 2)}`,
});
const slotB = new ApiToken("deployer-b", { scope: "write", rotation: `epoch-${Math.floor(quarter / 2)}` });
const freshest = quarter % 2 === 1 ? slotA : slotB;

/** The secret consumers should switch to now; the other slot stays valid until next quarter. */
export const currentToken = freshest.token;
export const currentTokenName = freshest.name;
