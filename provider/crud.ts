/**
 * The resource's operations against Utho, each given the {@link ProviderContext} of the token's
 * account: create (mint or adopt), read (refresh), update, delete. `operations.ts` is the
 * engine's entry point and picks the context; tests call these with a context of their own.
 */
import type * as pulumi from "@pulumi/pulumi";
import { adoptToken, verifySecret } from "./adopt";
import { now } from "./clock";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, describeError, MintedButUnfinished, PartialFailure } from "./errors";
import { secretOf } from "./fingerprint";
import { replaceMissing, retirePrevious, rotateInPlace, withoutPrevious } from "./overlap";
import { revokeToken } from "./revoke";
import { hasExpired, previousDue, rotationDueAt, rotationTriggers, type TokenStart } from "./rotation";
import { findToken } from "./settled-listings";
import { type ApiTokenInputs, type ApiTokenOutputs, POLICY_INPUTS, tokenIdOf } from "./types";
import { mintVerified, refusalOf } from "./verify";

// Pulumi's result types make every field optional; ours always carry them.
export type CreateResult = Required<pulumi.dynamic.CreateResult<ApiTokenOutputs>>;
export type ReadResult = Required<Pick<pulumi.dynamic.ReadResult<ApiTokenOutputs>, "id" | "props">>;
export type UpdateResult = Required<pulumi.dynamic.UpdateResult<ApiTokenOutputs>>;

/** The policy inputs (`POLICY_INPUTS`), as given, and the due date they set. */
function policyOf(inputs: ApiTokenInputs, start: TokenStart): Partial<ApiTokenOutputs> {
  const policy: Partial<ApiTokenOutputs> = {};
  for (const key of POLICY_INPUTS)
    if (inputs[key] !== undefined) Object.assign(policy, { [key]: inputs[key] });
  const dueAt = rotationDueAt(start, inputs.rotateAfter);
  return dueAt === undefined ? policy : { ...policy, rotationDueAt: dueAt };
}

/** The outputs without the policy inputs and the due date they set: `policyOf` the new inputs replaces them. */
function withoutPolicy(outs: ApiTokenOutputs): ApiTokenOutputs {
  const rest: ApiTokenOutputs = { ...outs };
  for (const key of [...POLICY_INPUTS, "rotationDueAt"] as const) delete rest[key];
  return rest;
}

/** Outputs carry the inputs that matter for later operations, never the adopt secret under `adopt`. */
function outputsOf(
  inputs: ApiTokenInputs,
  accountId: string,
  token: { id: string; createdAt: string; token: string | undefined; minted: boolean },
) {
  const start = {
    createdAt: token.createdAt,
    ...(token.minted ? { rotatedAt: new Date(now()).toISOString() } : {}),
  };
  const outs: ApiTokenOutputs = {
    name: inputs.name,
    scope: inputs.scope,
    ...start,
    tokenId: token.id,
    accountId,
    ...secretOf(token.token),
    ...(inputs.rotation === undefined ? {} : { rotation: inputs.rotation }),
    ...(inputs.keepers === undefined ? {} : { keepers: inputs.keepers }),
    ...policyOf(inputs, start),
    ...(inputs.connection === undefined ? {} : { connection: inputs.connection }),
    ...(inputs.namePrefix === undefined ? {} : { namePrefix: inputs.namePrefix }),
    ...(inputs.autoNamed ? { autoNamed: true } : {}),
  };
  return outs;
}

export async function createToken(ctx: ProviderContext, inputs: ApiTokenInputs): Promise<CreateResult> {
  const accountId = await ctx.accountId();
  if (inputs.adopt) {
    const adopted = await adoptToken(ctx, inputs, inputs.adopt);
    const token = { id: adopted.id, createdAt: adopted.createdAt, token: inputs.adopt.token, minted: false };
    return { id: adopted.id, outs: outputsOf(inputs, accountId, token) };
  }
  const minted = await mintVerified(ctx, inputs).catch((error: unknown) => {
    if (!(error instanceof MintedButUnfinished)) throw error;
    // The state holds the token, so nothing is orphaned; the next `up` finishes (`updateToken`).
    throw new PartialFailure(
      `${error.message} The state holds it, marked unverified: the next \`pulumi up\` verifies it again ` +
        "and, if Utho still refuses it, revokes it and mints a new one.",
      error.minted.id,
      { ...outputsOf(inputs, accountId, { ...error.minted, minted: true }), unverified: true },
      { cause: error },
    );
  });
  return { id: minted.id, outs: outputsOf(inputs, accountId, { ...minted, minted: true }) };
}

/**
 * Refresh: it observes and changes nothing in Utho. Pulumi reads in previews too (`pulumi
 * preview --refresh`, `pulumi refresh --preview-only`, the preview a `pulumi refresh` shows
 * before it asks), and a read cannot tell: so an expiry or the end of an overlap that has come
 * is left in the outputs as it is, for `diff` to show and `update` to carry out (`pulumi up
 * --refresh` still does it in one run). The run's shared listings answer (one listing serves
 * every token of a refresh); a token that the listing a settle window after the first one
 * misses is gone: an empty id makes Pulumi drop it so the next `up` recreates it. A failed list
 * (401, 5xx, timeout) throws: an error is never taken for an absence. The secret cannot be read
 * back, so it is carried over, never blanked.
 */
export async function readToken(
  ctx: ProviderContext,
  id: string,
  props: ApiTokenOutputs,
): Promise<ReadResult> {
  // Revoked at its expiry: there is nothing in Utho to read.
  if (props.expired) return { id, props };
  const { missing: _missing, ...held } = props;
  const tokenId = tokenIdOf(id, held);
  // A token this key lists is in this key's account (ids are Utho-wide): only an absence needs
  // the account check, lest a key of another account make a live token look deleted.
  let current = (await ctx.listings.current()).byId.get(tokenId);
  if (!current) {
    await ctx.requireAccount(tokenId, held.accountId, "refresh");
    current = await findToken(
      ctx,
      tokenId,
      `Utho's token list to show token ${tokenId}, which it no longer lists`,
    );
  }
  if (!current) return gone(id, tokenId, held);
  return {
    id,
    props: {
      ...held,
      tokenId,
      // A state written before fingerprints existed gets one from the secret it holds.
      ...secretOf(held.token),
      name: current.name,
      scope: current.scope,
      createdAt: current.createdAt,
    },
  };
}

/**
 * What a refresh records of a current token that Utho no longer lists. At or after its
 * `expiresAt` that is no surprise: the resource is expired, as an `up` would have left it.
 * A resource that still holds a previous token (an overlap) stays, marked `missing`: dropped,
 * it would leave that token live with nobody to revoke it. The next `up` then mints a new
 * current token in place and revokes the previous one at the end of its overlap (`update`), or
 * `destroy` revokes it. Otherwise the resource leaves the state and the next `up` recreates it,
 * unless `onMissing` is "fail".
 */
function gone(id: string, tokenId: string, held: ApiTokenOutputs): ReadResult {
  const expiredNow = hasExpired(held.expiresAt);
  if (!expiredNow && held.onMissing === "fail") {
    throw new ApiTokenProviderError(
      `Token ${tokenId} ("${held.name}") was deleted outside Pulumi, and its onMissing is "fail". Find out who ` +
        'revoked it; then set onMissing: "recreate" (or run `pulumi refresh` after removing the resource ' +
        "from the program) to go on.",
    );
  }
  if (held.previousTokenId !== undefined) return { id, props: { ...held, missing: true } };
  if (expiredNow) return { id, props: expiredOutputs(held) };
  return { id: "", props: held };
}

/**
 * In place: a secret supplied later with `adopt.token` (verified), new credentials in
 * `connection` (which must reach the token's account: Utho cannot move a token), and new
 * policy inputs (`POLICY_INPUTS`); a passed `expiresAt` revokes the token here, a rotation with an
 * `overlap` mints the new token here, so does a current token a refresh found `missing`, and a
 * previous token whose overlap has ended is revoked. All outputs are returned, the secrets
 * included.
 */
export async function updateToken(
  ctx: ProviderContext,
  id: string,
  olds: ApiTokenOutputs,
  news: ApiTokenInputs,
): Promise<UpdateResult> {
  const suppliedSecret = news.adopt?.token;
  if (suppliedSecret !== undefined && suppliedSecret !== olds.token)
    await verifySecret(ctx.client, suppliedSecret);
  const recorded = olds.accountId;
  if (recorded && (await ctx.accountId()) !== recorded) {
    throw new ApiTokenProviderError(
      `connection: the new credentials are for Utho account ${await ctx.accountId()}, but token ${tokenIdOf(id, olds)} lives in ` +
        `account ${recorded}, and Utho cannot move a token between accounts. Use credentials of account ` +
        `${recorded}, or replace the token (\`pulumi up --replace <urn>\`) to mint a new one in the other account.`,
    );
  }
  const { connection, ...rest } = withoutPolicy(olds);
  const outs: ApiTokenOutputs = {
    ...rest,
    ...policyOf(news, olds),
    ...(news.connection === undefined ? {} : { connection: news.connection }),
    ...secretOf(suppliedSecret),
  };
  if (olds.expired) return { outs };
  if (hasExpired(news.expiresAt)) return { outs: await expire(ctx, id, outs) };
  // Before a rotation, which would keep the missing token as the previous one.
  if (outs.missing) return { outs: await replaceMissing(ctx, id, outs, news) };
  if (outs.unverified) {
    const { unverified: _unverified, ...verified } = outs;
    if (news.verify !== false && (await refusalOf(ctx, outs.name, mintedOf(id, outs))) !== undefined)
      return { outs: await replaceUnverified(ctx, id, outs, news) };
    return { outs: await finishUpdate(ctx, id, olds, verified, news) };
  }
  return { outs: await finishUpdate(ctx, id, olds, outs, news) };
}

/** An update's rotation in place (`diff` made it an update for this reason) or due revocation. */
async function finishUpdate(
  ctx: ProviderContext,
  id: string,
  olds: ApiTokenOutputs,
  outs: ApiTokenOutputs,
  news: ApiTokenInputs,
): Promise<ApiTokenOutputs> {
  // `diff` made this an update rather than a replacement for this reason.
  if (news.overlap !== undefined && rotationTriggers(olds, news).length > 0)
    return rotateInPlace(ctx, id, outs, news);
  return previousDue(outs) ? retirePrevious(ctx, outs) : outs;
}

/** The token a resource holds now, as the mint that made it returned it. */
const mintedOf = (id: string, outs: ApiTokenOutputs) => ({
  id: tokenIdOf(id, outs),
  token: outs.token ?? "",
  createdAt: outs.createdAt,
});

/**
 * A token whose secret Utho still refuses is replaced in place: a new one is minted (and
 * verified) first, then the refused one revoked, with no overlap. Should that revocation fail,
 * the engine records the new token with the refused one as its previous token, due: the next
 * run revokes it. A resource that also holds a previous token still in its overlap (its current
 * token was minted in place of a missing one) keeps that one to the end of the overlap: the
 * refused token is revoked first (a failure changes nothing), then the new one minted beside it.
 */
async function replaceUnverified(
  ctx: ProviderContext,
  id: string,
  outs: ApiTokenOutputs,
  news: ApiTokenInputs,
): Promise<ApiTokenOutputs> {
  if (outs.previousTokenId !== undefined && !previousDue(outs)) {
    await revokeToken(ctx, tokenIdOf(id, outs), outs.accountId);
    return replaceMissing(ctx, id, outs, news);
  }
  const { overlap: _overlap, ...withoutOverlap } = news;
  const rotated = await rotateInPlace(ctx, id, outs, withoutOverlap);
  return retirePrevious(ctx, rotated).catch((error: unknown) => {
    throw new PartialFailure(
      `The secret of token ${tokenIdOf(id, outs)} ("${outs.name}") was still refused, so token ` +
        `${rotated.tokenId} was minted in its place; revoking the refused one failed (${describeError(error)}). The ` +
        "state keeps it as the previous token: the next `pulumi up` revokes it.",
      id,
      rotated,
      { cause: error },
    );
  });
}

/**
 * Revokes a token at its `expiresAt` (and a previous one still in its overlap) and returns the
 * outputs of the resource that stays: marked expired, without the secret (nobody may use it
 * now) or anything derived from it.
 */
async function expire(ctx: ProviderContext, id: string, props: ApiTokenOutputs): Promise<ApiTokenOutputs> {
  await deleteToken(ctx, id, props);
  return expiredOutputs(props);
}

/** The outputs of an expired resource: no token, no secret, nothing derived from them. */
function expiredOutputs(props: ApiTokenOutputs): ApiTokenOutputs {
  const {
    token: _token,
    fingerprint: _fingerprint,
    rotationDueAt: _due,
    missing: _missing,
    ...rest
  } = withoutPrevious(props);
  return { ...rest, expired: true };
}

/** Revokes the resource's tokens: a previous one still in its overlap first, then the current one. */
export async function deleteToken(ctx: ProviderContext, id: string, props: ApiTokenOutputs): Promise<void> {
  // Revoked already, at its expiry.
  if (props.expired) return;
  await revokeToken(ctx, tokenIdOf(id, await retirePrevious(ctx, props)), props.accountId);
}
