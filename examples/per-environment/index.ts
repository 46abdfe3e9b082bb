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

const environment = pulumi.getStack();
const policies = new pulumi.Config().requireObject<Record<string, TokenPolicy>>("tokens");

const tokens = Object.entries(policies).map(
  ([consumer, policy]) =>
    [
      consumer,
      new ApiToken(`${consumer}-${environment}`, {
        name: `${consumer}-${environment}`,
        scope: policy.scope ?? "read",
        rotateAfter: policy.rotateAfter,
        expiresAt: policy.expiresAt,
      }),
    ] as const,
);

export const ids = Object.fromEntries(tokens.map(([consumer, token]) => [consumer, token.id]));
export const rotationDueAt = Object.fromEntries(
  tokens.map(([consumer, token]) => [consumer, token.rotationDueAt]),
);
// Exported apart from the ids: a secret nested among plain values would hide them all.
export const secrets = Object.fromEntries(tokens.map(([consumer, token]) => [consumer, token.token]));
