/**
 * The resource's operations against Utho, each given the {@link ProviderContext} of the token's
 * account: create (mint or adopt), read (refresh), update, delete. `operations.ts` is the
 * engine's entry point and picks the context; tests call these with a context of their own.
 */
import type * as pulumi from "@pulumi/pulumi";
import { UthoNotFoundError } from "../sdk/errors";
import { adoptToken, verifySecret } from "./adopt";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError } from "./errors";
import { fingerprintOf } from "./fingerprint";
import { mintToken } from "./mint";
import { hasExpired, rotationDueAt } from "./rotation";
import { type ApiTokenInputs, type ApiTokenOutputs, SETTING_INPUTS } from "./types";
import { verifyMinted } from "./verify";

// Pulumi's result types make every field optional; ours always carry them.
export type CreateResult = Required<pulumi.dynamic.CreateResult<ApiTokenOutputs>>;
export type ReadResult = Required<Pick<pulumi.dynamic.ReadResult<ApiTokenOutputs>, "id" | "props">>;
export type UpdateResult = Required<pulumi.dynamic.UpdateResult<ApiTokenOutputs>>;

/** The inputs that only steer the provider (`SETTING_INPUTS`), as given, and the due date they set. */
function settingsOf(inputs: ApiTokenInputs, createdAt: string): Partial<ApiTokenOutputs> {
  const settings: Partial<ApiTokenOutputs> = {};
  for (const key of SETTING_INPUTS)
    if (inputs[key] !== undefined) Object.assign(settings, { [key]: inputs[key] });
  const dueAt = rotationDueAt(createdAt, inputs.rotateAfter);
  return dueAt === undefined ? settings : { ...settings, rotationDueAt: dueAt };
}

/** The outputs without the settings and what they set: `settingsOf` the new inputs replaces them. */
function withoutSettings(outs: ApiTokenOutputs): ApiTokenOutputs {
  const rest: ApiTokenOutputs = { ...outs };
  for (const key of [...SETTING_INPUTS, "rotationDueAt"] as const) delete rest[key];
  return rest;
}

/** The secret and its fingerprint, or neither. */
const secretOf = (token: string | undefined) =>
  token === undefined ? {} : { token, fingerprint: fingerprintOf(token) };

/** Outputs carry the inputs that matter for later operations, never the adopt secret under `adopt`. */
function outputsOf(inputs: ApiTokenInputs, accountId: string, createdAt: string, token: string | undefined) {
  const outs: ApiTokenOutputs = {
    name: inputs.name,
    scope: inputs.scope,
    createdAt,
    accountId,
    ...secretOf(token),
    ...(inputs.rotation === undefined ? {} : { rotation: inputs.rotation }),
    ...(inputs.keepers === undefined ? {} : { keepers: inputs.keepers }),
    ...settingsOf(inputs, createdAt),
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
    return { id: adopted.id, outs: outputsOf(inputs, accountId, adopted.createdAt, inputs.adopt.token) };
  }
  const minted = await mintToken(ctx, inputs);
  if (inputs.verify !== false) await verifyMinted(ctx, inputs.name, minted);
  return { id: minted.id, outs: outputsOf(inputs, accountId, minted.createdAt, minted.token) };
}

/**
 * Refresh. The run's shared listings answer (one listing serves every token of a refresh); a
 * token that no listing shows within the settle window is gone: an empty id makes Pulumi drop
 * it so the next `up` recreates it. A failed list (401, 5xx, timeout) throws: an error is never
 * taken for an absence. The secret cannot be read back, so it is carried over, never blanked.
 */
export async function readToken(
  ctx: ProviderContext,
  id: string,
  props: ApiTokenOutputs,
): Promise<ReadResult> {
  // Revoked on purpose at its expiry: there is nothing in Utho to read.
  if (props.expired) return { id, props };
  if (hasExpired(props.expiresAt)) return { id, props: await expire(ctx, id, props) };
  // A token this key lists is in this key's account (ids are Utho-wide): only an absence needs
  // the account check, lest a key of another account make a live token look deleted.
  let current = (await ctx.listings.current()).byId.get(id);
  if (!current) {
    await ctx.requireAccount(id, props.accountId, "refresh");
    current = await ctx.listings.find(id, `Utho's token list to show token ${id}, which it no longer lists`);
  }
  if (!current) {
    if (props.onMissing === "fail") {
      throw new ApiTokenProviderError(
        `Token ${id} ("${props.name}") was deleted outside Pulumi, and its onMissing is "fail". Find out who ` +
          'revoked it; then set onMissing: "recreate" (or run `pulumi refresh` after removing the resource ' +
          "from the program) to go on.",
      );
    }
    return { id: "", props };
  }
  return {
    id,
    props: {
      ...props,
      // A state written before fingerprints existed gets one from the secret it holds.
      ...secretOf(props.token),
      name: current.name,
      scope: current.scope,
      createdAt: current.createdAt,
    },
  };
}

/**
 * In place: a secret supplied later with `adopt.token` (verified), new credentials in
 * `connection` (which must reach the token's account: Utho cannot move a token), and new
 * settings (`SETTING_INPUTS`); a passed `expiresAt` revokes the token here. All outputs are
 * returned, the secret included.
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
      `connection: the new credentials are for Utho account ${await ctx.accountId()}, but token ${id} lives in ` +
        `account ${recorded}, and Utho cannot move a token between accounts. Use credentials of account ` +
        `${recorded}, or replace the token (\`pulumi up --replace <urn>\`) to mint a new one in the other account.`,
    );
  }
  const { connection, ...rest } = withoutSettings(olds);
  const outs: ApiTokenOutputs = {
    ...rest,
    ...settingsOf(news, olds.createdAt),
    ...(news.connection === undefined ? {} : { connection: news.connection }),
    ...secretOf(suppliedSecret),
  };
  return { outs: !olds.expired && hasExpired(news.expiresAt) ? await expire(ctx, id, outs) : outs };
}

/**
 * Revokes a token at its `expiresAt` and returns the outputs of the resource that stays: marked
 * expired, without the secret (nobody may use it now) or anything derived from it.
 */
async function expire(ctx: ProviderContext, id: string, props: ApiTokenOutputs): Promise<ApiTokenOutputs> {
  await deleteToken(ctx, id, props);
  const { token: _token, fingerprint: _fingerprint, rotationDueAt: _due, ...rest } = props;
  return { ...rest, expired: true };
}

/**
 * Revokes the token. A 404 counts as deleted once a listing confirms the token is absent: a
 * wrong base URL answers 404 to everything, and must not make `destroy` forget live tokens.
 * The list can lag behind a delete made elsewhere, so a token still listed is looked for over
 * the settle window before the 404 is called wrong.
 */
export async function deleteToken(ctx: ProviderContext, id: string, props: ApiTokenOutputs): Promise<void> {
  // Revoked already, at its expiry.
  if (props.expired) return;
  await ctx.requireAccount(id, props.accountId, "delete");
  try {
    await ctx.client.apiTokens.delete(id);
    ctx.listings.revoked(id);
  } catch (error) {
    if (!(error instanceof UthoNotFoundError)) throw error;
    const absent = await ctx.listings.watch({
      waitingFor: `Utho's token list to confirm token ${id} is gone`,
      see: (listing) => (listing.byId.has(id) ? undefined : { done: true }),
      failed: (failure) => {
        throw failure;
      },
    });
    if (!("done" in absent)) {
      throw new ApiTokenProviderError(
        `Deleting token ${id} returned 404, yet Utho still listed the token ${ctx.settleSeconds} s later; ` +
          "check utho:baseUrl / UTHO_BASE_URL.",
        { cause: error },
      );
    }
  }
}
