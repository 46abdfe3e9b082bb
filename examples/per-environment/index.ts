// One stack per environment (`pulumi stack init dev`, `staging`, `prod`), each with the same
// set of tokens, named after the environment so the Utho console tells them apart.
import * as pulumi from "@pulumi/pulumi";
import { ApiToken } from "utho-pulumi-tokens";

const environment = pulumi.getStack();

// Who needs what: Read-Only unless the job really writes.
const consumers = {
  deployer: "write",
  monitoring: "read",
  "cost-report": "read",
} as const;

const tokens = Object.entries(consumers).map(
  ([consumer, scope]) =>
    [
      consumer,
      new ApiToken(`${consumer}-${environment}`, { name: `${consumer}-${environment}`, scope }),
    ] as const,
);

export const ids = Object.fromEntries(tokens.map(([consumer, token]) => [consumer, token.id]));
// Exported apart from the ids: a secret nested among plain values would hide them all.
export const secrets = Object.fromEntries(tokens.map(([consumer, token]) => [consumer, token.token]));
