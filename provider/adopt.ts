/**
 * Adoption: bring a token someone made by hand under management. Pulumi cannot `import`
 * dynamic resources (pulumi/pulumi#16175), so the resource takes an explicit `adopt` input.
 * Nothing is changed in Utho; every mismatch is an error naming the property.
 */
import type { UthoClient } from "../sdk/client";
import { UthoAuthError } from "../sdk/errors";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, describeError } from "./errors";
import type { AdoptSpec, ApiTokenInputs } from "./types";

function findAdoptee(tokens: UthoApiToken[], inputs: ApiTokenInputs, adopt: AdoptSpec): UthoApiToken {
  if (adopt.id !== undefined) {
    const byId = tokens.find((t) => t.id === adopt.id);
    if (!byId) throw new ApiTokenProviderError(`adopt.id: no Utho token has id ${adopt.id}`);
    return byId;
  }
  const byName = tokens.filter((t) => t.name === inputs.name);
  if (byName.length === 0) throw new ApiTokenProviderError(`adopt: no Utho token is named "${inputs.name}"`);
  if (byName.length > 1) {
    throw new ApiTokenProviderError(
      `adopt: ${byName.length} Utho tokens are named "${inputs.name}" (ids ${byName.map((t) => t.id).join(", ")}); ` +
        "set adopt.id to choose one",
    );
  }
  return byName[0] as UthoApiToken;
}

/** Checks that a supplied secret is a working credential other than our own; never echoes it. */
export async function verifySecret(client: UthoClient, secret: string): Promise<void> {
  if (client.usesApiKey(secret)) {
    throw new ApiTokenProviderError(
      "adopt.token: this is the provider's own API key, not the adopted token's secret",
    );
  }
  try {
    await client.withOptions({ apiKey: secret }).account.info();
  } catch (error) {
    const reason =
      error instanceof UthoAuthError ? "Utho rejected it (revoked or mistyped?)" : describeError(error);
    throw new ApiTokenProviderError(`adopt.token: the supplied secret does not authenticate: ${reason}`);
  }
}

export async function adoptToken(
  ctx: ProviderContext,
  inputs: ApiTokenInputs,
  adopt: AdoptSpec,
): Promise<UthoApiToken> {
  const listing = await ctx.listings.next();
  const token = findAdoptee([...listing.tokens], inputs, adopt);
  if (token.name !== inputs.name) {
    throw new ApiTokenProviderError(
      `name: token ${token.id} is named "${token.name}", not "${inputs.name}"; set name to "${token.name}" to adopt it`,
    );
  }
  if (token.scope !== inputs.scope) {
    throw new ApiTokenProviderError(
      `scope: token ${token.id} has scope "${token.scope}", not "${inputs.scope}". Utho cannot change a ` +
        `token's scope: set scope to "${token.scope}" to adopt it, or remove adopt to mint a new token.`,
    );
  }
  if (adopt.token !== undefined) await verifySecret(ctx.client, adopt.token);
  return token;
}
