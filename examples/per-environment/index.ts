// One stack per environment (dev, staging, prod), each declaring its tokens in its stack config
// (Pulumi.<stack>.yaml): who needs which scope, and the lifecycle policy of each token. Names
// carry the environment, so the Utho console tells the stacks' tokens apart.
//
//   tokens:
//     deployer: { scope: write, rotateAfter: 30d }
//     monitoring: { scope: read }
import * as pulumi from "@pulumi/pulumi";
import { ApiToken } from "utho-pulumi-tokens";

interface TokenPolicy {
  /** "read" unless the job really writes. */
  scope?: "read" | "write";
  /** Rotate this long after each token's creation: a scheduled `up` carries it out. */
  rotateAfter?: string;
  /** Revoke at this instant (a contractor's, a migration's token). */
  expiresAt?: string;
}

const POLICY_FIELDS: readonly string[] = ["scope", "rotateAfter", "expiresAt"];

/**
 * The stack's `tokens` checked before anything is declared, as the root program checks its list:
 * a misspelt field (`rotate_after:`) would otherwise be ignored and its token never rotate.
 * The values' own rules (a duration, an instant) are the provider's, checked at preview.
 */
function readPolicies(config: pulumi.Config): Record<string, TokenPolicy> {
  const raw = config.requireObject<unknown>("tokens");
  const problems: string[] = [];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    problems.push("tokens: must be a map of consumer names to policies");
  } else {
    for (const [consumer, policy] of Object.entries(raw)) {
      const at = `tokens.${consumer}`;
      if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
        problems.push(`${at}: must be a policy (scope, rotateAfter, expiresAt)`);
        continue;
      }
      for (const [field, value] of Object.entries(policy)) {
        if (!POLICY_FIELDS.includes(field)) {
          problems.push(`${at}.${field}: unknown field; a policy has ${POLICY_FIELDS.join(", ")}`);
        } else if (field === "scope" ? value !== "read" && value !== "write" : typeof value !== "string") {
          problems.push(`${at}.${field}: must be ${field === "scope" ? '"read" or "write"' : "a string"}`);
        }
      }
    }
  }
  if (problems.length > 0) throw new Error(`Invalid stack config "tokens": ${problems.join("; ")}`);
  return raw as Record<string, TokenPolicy>;
}

const environment = pulumi.getStack();
const policies = readPolicies(new pulumi.Config());

const tokens = Object.entries(policies).map(([consumer, policy]) => ({
  consumer,
  policy,
  token: new ApiToken(`${consumer}-${environment}`, {
    name: `${consumer}-${environment}`,
    scope: policy.scope ?? "read",
    rotateAfter: policy.rotateAfter,
    expiresAt: policy.expiresAt,
  }),
}));

/** The live token's Utho id per consumer (`tokenId`: the resource's `id` stays its first token's). */
export const tokenIds = Object.fromEntries(tokens.map(({ consumer, token }) => [consumer, token.tokenId]));
// Only the tokens with a schedule: a preview cannot know an output a token does not have, and
// would show `~ rotationDueAt: [unknown]` on every run.
export const rotationDueAt = Object.fromEntries(
  tokens
    .filter(({ policy }) => policy.rotateAfter !== undefined)
    .map(({ consumer, token }) => [consumer, token.rotationDueAt]),
);
// Exported apart from the ids: a secret nested among plain values would hide them all.
export const secrets = Object.fromEntries(tokens.map(({ consumer, token }) => [consumer, token.token]));
