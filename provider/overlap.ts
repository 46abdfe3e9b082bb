/**
 * Rotation with an overlap: one resource holds two tokens for a while. `rotateInPlace` mints the
 * new token and keeps the one it replaces as `previousToken` until `previousRevokeAt`;
 * `retirePrevious` revokes that one, at the first `up` at or after the instant (a refresh only
 * reads: `diff` shows the revocation as an update).
 *
 * Nothing is lost on a failure: a revocation that fails throws before the outputs drop the
 * previous token, so the state keeps it and the next run tries again; once the new token is
 * minted nothing throws but a {@link PartialFailure}, whose outputs the engine records. A new
 * token whose secret is never accepted, and whose revocation failed, is kept: by a rotation as
 * the previous token, due at once (the resource keeps its current token and its triggers, so the
 * next `up` revokes that one and rotates again); in place of a missing token as the current one,
 * marked unverified (the next `up` verifies or replaces it).
 */
import { now } from "./clock";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, MintedButUnfinished, type MintedSecret, PartialFailure } from "./errors";
import { secretOf } from "./fingerprint";
import { revokeToken } from "./revoke";
import { durationMs, previousDue, rotationDueAt } from "./rotation";
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
  const rotated = await withNewToken(ctx, id, base, news, `current token (id ${own})`, {
    next:
      "The state keeps it as the previous token, to be revoked: the next `pulumi up` revokes it and rotates " +
      `again. The resource's current token (id ${own}) stays as it is.`,
    keep: (minted) => ({
      ...base,
      previousTokenId: minted.id,
      previousRevokeAt: new Date(now()).toISOString(),
    }),
  });
  return {
    ...rotated,
    ...(base.token === undefined ? {} : { previousToken: base.token }),
    previousTokenId: own,
    previousRevokeAt: new Date(
      Date.parse(rotated.rotatedAt as string) + (durationMs(news.overlap) ?? 0),
    ).toISOString(),
  };
}

/**
 * A new current token in place of one a refresh found deleted outside Pulumi (`missing`) while
 * the resource still held a previous token: that one keeps its overlap, unless it has ended.
 */
export async function replaceMissing(
  ctx: ProviderContext,
  id: string,
  outs: ApiTokenOutputs,
  news: ApiTokenInputs,
): Promise<ApiTokenOutputs> {
  const { missing: _missing, ...base } = previousDue(outs) ? await retirePrevious(ctx, outs) : outs;
  const kept = base.previousTokenId === undefined ? undefined : `previous token (id ${base.previousTokenId})`;
  return withNewToken(ctx, id, base, news, kept, {
    next:
      "The state holds it as the current token, marked unverified: the next `pulumi up` verifies it again " +
      "and, if Utho still refuses it, replaces it.",
    keep: (minted) => ({
      ...base,
      tokenId: minted.id,
      createdAt: minted.createdAt,
      ...secretOf(minted.token),
      unverified: true,
    }),
  });
}

/** Where a new token that was minted but can be neither verified nor revoked goes in the state. */
interface Unfinished {
  /** The outputs the engine records with the partial failure. */
  keep: (minted: MintedSecret) => ApiTokenOutputs;
  /** What the next run does about it, for the error message. */
  next: string;
}

/**
 * The outputs with a newly minted current token, and the rotation triggers as they are now, so
 * that the next diff sees no rotation pending. `kept` names the resource's token that stays: a
 * mint that failed after Utho minted names the token by its name, which that one carries too.
 * Once the token is minted nothing throws but a {@link PartialFailure} (`unfinished` says what
 * it records), for only the outputs returned or recorded hold the token.
 */
async function withNewToken(
  ctx: ProviderContext,
  id: string,
  base: ApiTokenOutputs,
  news: ApiTokenInputs,
  kept: string | undefined,
  unfinished: Unfinished,
): Promise<ApiTokenOutputs> {
  const minted = await mintVerified(ctx, news).catch((error: unknown) => {
    if (error instanceof MintedButUnfinished) {
      throw new PartialFailure(`${error.message} ${unfinished.next}`, id, unfinished.keep(error.minted), {
        cause: error,
      });
    }
    if (!(error instanceof ApiTokenProviderError) || kept === undefined) throw error;
    throw new ApiTokenProviderError(
      `${error.message} The resource's ${kept} has the same name and must stay.`,
      {
        cause: error,
      },
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
    ...(news.rotation === undefined ? {} : { rotation: news.rotation }),
    ...(news.keepers === undefined ? {} : { keepers: news.keepers }),
    tokenId: minted.id,
    createdAt: minted.createdAt,
    ...secretOf(minted.token),
    rotatedAt,
    ...(dueAt === undefined ? {} : { rotationDueAt: dueAt }),
  };
}
