/**
 * Revoking a token by its Utho id: the one routine every revocation goes through (destroy,
 * expiry, the end of an overlap, a new token whose secret is never accepted, a stray of an
 * ambiguous create, and `utho-tokens reconcile`). A 404 counts as revoked only once a listing
 * requested after it no longer shows the token: a wrong base URL answers 404 to everything, and
 * must not make `destroy` forget live tokens; and the list can lag behind a delete made
 * elsewhere, so a token still listed is looked for over the settle window before the 404 is
 * called wrong.
 */
import { UthoNotFoundError } from "../sdk/errors";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, describeError } from "./errors";
import type { Listing } from "./listings";

/**
 * One token's revocation, in steps a caller that is itself watching the listings can take (a
 * nested watch inside a listing's callback would wait for itself): `send` the DELETE, and show
 * each later listing to `see` until the token is gone. Until then `problem` says why not.
 */
export class Revocation {
  private gone = false;
  /** After a 404: only a listing with a greater `seq` (requested after it) may confirm it. */
  private notFoundAfter: number | undefined;
  problem: unknown;

  constructor(
    private readonly ctx: ProviderContext,
    readonly tokenId: string,
  ) {}

  get done(): boolean {
    return this.gone;
  }

  /** Sends the DELETE (unless the token is gone). Throws what failed, a 404 excepted. */
  async send(): Promise<void> {
    if (this.gone) return;
    try {
      await this.ctx.client.apiTokens.delete(this.tokenId);
      this.revoked();
    } catch (error) {
      this.problem = error;
      if (!(error instanceof UthoNotFoundError)) throw error;
      this.notFoundAfter = this.ctx.listings.lastSeq;
    }
  }

  /** True once the token is gone: revoked, or answered 404 and absent from a later listing. */
  see(listing: Listing): boolean {
    const confirms = this.notFoundAfter !== undefined && listing.seq > this.notFoundAfter;
    if (!this.gone && confirms && !listing.byId.has(this.tokenId)) this.revoked();
    return this.gone;
  }

  private revoked(): void {
    this.gone = true;
    this.problem = undefined;
    this.ctx.listings.revoked(this.tokenId);
  }
}

/**
 * Revokes token `tokenId` (of account `accountId`, when known) or throws an error naming it. A
 * 404 waits, over the settle window, for a listing that no longer shows the token.
 */
export async function revokeToken(
  ctx: ProviderContext,
  tokenId: string,
  accountId: string | undefined,
): Promise<void> {
  await ctx.requireAccount(tokenId, accountId, "delete");
  const revocation = new Revocation(ctx, tokenId);
  await revocation.send().catch((error: unknown) => {
    throw new ApiTokenProviderError(`Revoking token ${tokenId} failed (${describeError(error)}).`, {
      cause: error,
    });
  });
  if (revocation.done) return;
  const absent = await ctx.listings.watch({
    waitingFor: `Utho's token list to confirm token ${tokenId} is gone`,
    see: (listing) => (revocation.see(listing) ? { done: true } : undefined),
    failed: (failure) => {
      throw new ApiTokenProviderError(
        `Deleting token ${tokenId} returned 404, and listing tokens to confirm it is gone failed ` +
          `(${describeError(failure)}).`,
        { cause: failure },
      );
    },
  });
  if (!("done" in absent)) {
    throw new ApiTokenProviderError(
      `Deleting token ${tokenId} returned 404, yet Utho still listed the token ${ctx.settleSeconds} s later; ` +
        "check utho:baseUrl / UTHO_BASE_URL.",
      { cause: revocation.problem },
    );
  }
}
