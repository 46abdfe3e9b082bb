/**
 * Revoking a token by its Utho id: the one routine every revocation goes through (destroy,
 * expiry, the end of an overlap, a new token whose secret is never accepted, a stray of an
 * ambiguous create, and `utho-tokens reconcile`). A 404 counts as revoked only once a listing
 * requested after it no longer shows the token: a wrong base URL answers 404 to everything, and
 * must not make `destroy` forget live tokens; and the list can lag behind a delete made
 * elsewhere, so a token the first listing still shows is asked for once more, a settle window
 * after the 404, before the 404 is called wrong. At most two listings.
 */
import { UthoNotFoundError } from "../sdk/errors";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, describeError } from "./errors";
import { listingsAt } from "./settled-listings";

/**
 * Revokes token `tokenId` (of account `accountId`, when known) or throws an error naming it.
 */
export async function revokeToken(
  ctx: ProviderContext,
  tokenId: string,
  accountId: string | undefined,
): Promise<void> {
  await ctx.requireAccount(tokenId, accountId, "delete");
  const notFound = await ctx.client.apiTokens.delete(tokenId).then(
    () => undefined,
    (error: unknown) => {
      if (error instanceof UthoNotFoundError) return error;
      throw new ApiTokenProviderError(`Revoking token ${tokenId} failed (${describeError(error)}).`, {
        cause: error,
      });
    },
  );
  if (!notFound) return ctx.listings.revoked(tokenId);
  const notFoundAt = ctx.settle.now();
  const waitingFor = `Utho's token list to confirm token ${tokenId} is gone`;
  for await (const listing of listingsAt(ctx, waitingFor, [notFoundAt, notFoundAt + ctx.settleWindowMs])) {
    if ("failed" in listing) {
      throw new ApiTokenProviderError(
        `Deleting token ${tokenId} returned 404, and listing tokens to confirm it is gone failed ` +
          `(${describeError(listing.failed)}).`,
        { cause: listing.failed },
      );
    }
    if (!listing.byId.has(tokenId)) return ctx.listings.revoked(tokenId);
  }
  throw new ApiTokenProviderError(
    `Deleting token ${tokenId} returned 404, yet Utho still listed the token ${ctx.settleSeconds} s later; ` +
      "check utho:baseUrl / UTHO_BASE_URL.",
    { cause: notFound },
  );
}
