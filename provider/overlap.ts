/**
 * Rotation with an overlap: one resource holds two tokens for a while. `rotateInPlace` mints the
 * new token and keeps the one it replaces as `previousToken` until `previousRevokeAt`;
 * `retirePrevious` revokes that one, at the first up or refresh at or after the instant.
 *
 * Nothing is lost on a failure: a revocation that fails throws before the outputs drop the
 * previous token, so the state keeps it and the next run tries again; once the new token is
 * minted nothing throws but a {@link PartialFailure}, whose outputs the engine records. A new
 * token whose secret is never accepted, and whose revocation failed, is kept as the previous
 * token, due at once: the resource keeps its current token and its triggers, so the next `up`
 * revokes that one and rotates again.
 */
import { now } from "./clock";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, MintedButUnfinished, PartialFailure } from "./errors";
import { secretOf } from "./fingerprint";
import { revokeToken } from "./revoke";
import { durationMs, rotationDueAt } from "./rotation";
import { type ApiTokenInputs, type ApiTokenOutputs, tokenIdOf } from "./types";
import { mintVerified } from "./verify";

/** The outputs without the previous token: revoked, or never there. */
export function withoutPrevious(props: ApiTokenOutputs): ApiTokenOutputs {
  const { previousToken: _token, previousTokenId: _id, previousRevokeAt: _at, ...rest } = props;
  return rest;
}

/** Revokes the previous token (if the resource holds one) and returns the outputs without it. */
export async function retirePrevious(ctx: ProviderContext, props: ApiTokenOutputs): Promise<ApiTokenOutputs> {
  if (props.previousTokenId === undefined) return props;
  await revokeToken(ctx, props.previousTokenId, props.accountId);
  return withoutPrevious(props);
}

/**
 * Mints a new token for the resource and keeps the current one valid for `news.overlap`. The
 * resource keeps one previous token: one still in its overlap is revoked first (before the
 * mint, so a failure changes nothing).
 */
export async function rotateInPlace(
  ctx: ProviderContext,
  id: string,
  outs: ApiTokenOutputs,
  news: ApiTokenInputs,
): Promise<ApiTokenOutputs> {
  const base = await retirePrevious(ctx, outs);
  const own = tokenIdOf(id, base);
  const minted = await mintVerified(ctx, news).catch((error: unknown) => {
    if (error instanceof MintedButUnfinished) {
      throw new PartialFailure(
        `${error.message} The state keeps it as the previous token, to be revoked: the next \`pulumi up\` ` +
          `revokes it and rotates again. The resource's current token (id ${own}) stays as it is.`,
        id,
        { ...base, previousTokenId: error.minted.id, previousRevokeAt: new Date(now()).toISOString() },
        { cause: error },
      );
    }
    // A mint that failed after Utho minted names the token by its name, which the resource's
    // own token carries too: that one must not be revoked in its place.
    if (!(error instanceof ApiTokenProviderError)) throw error;
    throw new ApiTokenProviderError(
      `${error.message} The resource's current token (id ${own}) has the same name and must stay.`,
      { cause: error },
    );
  });
  const at = now();
  const rotatedAt = new Date(at).toISOString();
  const dueAt = rotationDueAt({ createdAt: minted.createdAt, rotatedAt }, news.rotateAfter, at);
  // The new token's secret was verified (or need not be): whatever was said of the old one is moot.
  const {
    rotation: _rotation,
    keepers: _keepers,
    rotationDueAt: _due,
    unverified: _unverified,
    ...rest
  } = base;
  return {
    ...rest,
    // The triggers as they are now, so that the next diff sees no rotation pending.
    ...(news.rotation === undefined ? {} : { rotation: news.rotation }),
    ...(news.keepers === undefined ? {} : { keepers: news.keepers }),
    tokenId: minted.id,
    createdAt: minted.createdAt,
    ...secretOf(minted.token),
    rotatedAt,
    ...(dueAt === undefined ? {} : { rotationDueAt: dueAt }),
    ...(base.token === undefined ? {} : { previousToken: base.token }),
    previousTokenId: own,
    previousRevokeAt: new Date(at + (durationMs(news.overlap) ?? 0)).toISOString(),
  };
}
