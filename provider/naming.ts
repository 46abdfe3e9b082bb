import { randomBytes } from "node:crypto";
import { isForbiddenNameCharacter, TOKEN_NAME_MAX_LENGTH } from "../sdk/rules";

const SUFFIX_BYTES = 4; // 8 hex characters, as Pulumi's own auto-naming uses a short random suffix.

/**
 * `<prefix>-<random>`, trimmed to Utho's name limit. The prefix is the resource's logical name
 * with characters Utho rejects (controls) replaced, so any logical name yields a valid token name.
 */
export function autoName(prefix: string): string {
  const suffix = randomBytes(SUFFIX_BYTES).toString("hex");
  // By code points, so a multi-unit character is never split.
  const stem = [...prefix.trim()]
    .map((char) => (isForbiddenNameCharacter(char) ? "-" : char))
    .slice(0, TOKEN_NAME_MAX_LENGTH - suffix.length - 1)
    .join("");
  return `${stem || "token"}-${suffix}`;
}
