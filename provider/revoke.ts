/**
 * Revoking one token by its Utho id. A 404 counts as revoked once a listing confirms the token
 * is absent: a wrong base URL answers 404 to everything, and must not make `destroy` forget
 * live tokens. The list can lag behind a delete made elsewhere, so a token still listed is
 * looked for over the settle window before the 404 is called wrong.
 */
import { UthoNotFoundError } from "../sdk/errors";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError } from "./errors";

export async function revokeToken(
  ctx: ProviderContext,
  tokenId: string,
  accountId: string | undefined,
): Promise<void> {
  await ctx.requireAccount(tokenId, accountId, "delete");
  try {
    await ctx.client.apiTokens.delete(tokenId);
    ctx.listings.revoked(tokenId);
  } catch (error) {
    if (!(error instanceof UthoNotFoundError)) throw error;
    const absent = await ctx.listings.watch({
      waitingFor: `Utho's token list to confirm token ${tokenId} is gone`,
      see: (listing) => (listing.byId.has(tokenId) ? undefined : { done: true }),
      failed: (failure) => {
        throw failure;
      },
    });
    if (!("done" in absent)) {
      throw new ApiTokenProviderError(
        `Deleting token ${tokenId} returned 404, yet Utho still listed the token ${ctx.settleSeconds} s later; ` +
          "check utho:baseUrl / UTHO_BASE_URL.",
        { cause: error },
      );
    }
  }
}
