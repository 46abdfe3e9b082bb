/**
 * The provider's logic, loaded at run time by the serialized provider (see `serializable.ts`).
 * Nothing here is captured into the Pulumi state: this module is `require`d inside the dynamic
 * provider host, so it can use zod, undici and the SDK freely.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type UthoClient, UthoNotFoundError } from "../sdk";
import { registerSecret } from "../sdk/redact";
import { accountIdOf, requireSameAccount } from "./account";
import { adoptToken, verifySecret } from "./adopt";
import { checkInputs } from "./check";
import { configureFromStack, type ProviderConfig, providerClient } from "./credentials";
import { diffToken } from "./diff";
import { ApiTokenProviderError } from "./errors";
import { mintToken } from "./mint";
import { SETTLE_DELAYS_MS, settleRounds } from "./settle";
import type { ApiTokenInputs, ApiTokenOutputs } from "./types";

// Pulumi's result types make every field optional; ours always carry them.
type CreateResult = Required<pulumi.dynamic.CreateResult<ApiTokenOutputs>>;
type ReadResult = Required<Pick<pulumi.dynamic.ReadResult<ApiTokenOutputs>, "id" | "props">>;
type UpdateResult = Required<pulumi.dynamic.UpdateResult<ApiTokenOutputs>>;

export function configure(config: ProviderConfig): void {
  configureFromStack(config);
}

export function check(olds: Partial<ApiTokenInputs>, news: Record<string, unknown>) {
  return checkInputs(olds, news);
}

export function diff(id: string, olds: ApiTokenOutputs, news: ApiTokenInputs): pulumi.dynamic.DiffResult {
  return diffToken(id, olds, news);
}

/** Outputs carry the inputs that matter for later diffs, never the adopt secret under `adopt`. */
function outputsOf(inputs: ApiTokenInputs, accountId: string, createdAt: string, token: string | undefined) {
  const outs: ApiTokenOutputs = {
    name: inputs.name,
    scope: inputs.scope,
    createdAt,
    accountId,
    ...(token === undefined ? {} : { token }),
    ...(inputs.rotation === undefined ? {} : { rotation: inputs.rotation }),
    ...(inputs.namePrefix === undefined ? {} : { namePrefix: inputs.namePrefix }),
    ...(inputs.autoNamed ? { autoNamed: true } : {}),
  };
  return outs;
}

export async function create(
  inputs: ApiTokenInputs,
  settleDelaysMs: readonly number[] = SETTLE_DELAYS_MS,
): Promise<CreateResult> {
  registerSecret(inputs.adopt?.token);
  const client = providerClient();
  const accountId = await accountIdOf(client);
  if (inputs.adopt) {
    const adopted = await adoptToken(client, inputs, inputs.adopt);
    return { id: adopted.id, outs: outputsOf(inputs, accountId, adopted.createdAt, inputs.adopt.token) };
  }
  const minted = await mintToken(client, inputs, settleDelaysMs);
  return { id: minted.id, outs: outputsOf(inputs, accountId, minted.createdAt, minted.token) };
}

/**
 * Lists until the token with `id` shows up, for the whole settle window if need be (the list
 * may lag). Undefined means every listing succeeded and none had it. A failed listing throws:
 * an error is never taken for an absence.
 */
async function findToken(client: UthoClient, id: string, settleDelaysMs: readonly number[]) {
  for await (const _ of settleRounds(settleDelaysMs)) {
    const found = (await client.apiTokens.list()).find((t) => t.id === id);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refresh. A token that no listing shows within the settle window is gone: an empty id makes
 * Pulumi drop it so the next `up` recreates it. A failed list (401, 5xx, timeout) throws. The
 * secret cannot be read back, so it is carried over, never blanked.
 */
export async function read(
  id: string,
  props: ApiTokenOutputs,
  settleDelaysMs: readonly number[] = SETTLE_DELAYS_MS,
): Promise<ReadResult> {
  registerSecret(props.token);
  const client = providerClient();
  await requireSameAccount(client, id, props.accountId, "refresh");
  const current = await findToken(client, id, settleDelaysMs);
  if (!current) return { id: "", props };
  return { id, props: { ...props, name: current.name, scope: current.scope, createdAt: current.createdAt } };
}

/** Only adoption settings change in place; all outputs are returned, the secret included. */
export async function update(
  _id: string,
  olds: ApiTokenOutputs,
  news: ApiTokenInputs,
): Promise<UpdateResult> {
  registerSecret(news.adopt?.token);
  const suppliedSecret = news.adopt?.token;
  if (suppliedSecret !== undefined && suppliedSecret !== olds.token) {
    await verifySecret(providerClient(), suppliedSecret);
  }
  return { outs: { ...olds, ...(suppliedSecret === undefined ? {} : { token: suppliedSecret }) } };
}

/**
 * Revokes the token. A 404 counts as deleted once a listing confirms the token is absent: a
 * wrong base URL answers 404 to everything, and must not make `destroy` forget live tokens.
 */
export async function remove(id: string, props: ApiTokenOutputs): Promise<void> {
  registerSecret(props.token);
  const client = providerClient();
  await requireSameAccount(client, id, props.accountId, "delete");
  try {
    await client.apiTokens.delete(id);
  } catch (error) {
    if (!(error instanceof UthoNotFoundError)) throw error;
    if ((await client.apiTokens.list()).some((t) => t.id === id)) {
      throw new ApiTokenProviderError(
        `Deleting token ${id} returned 404, yet the token is still listed; check utho:baseUrl / UTHO_BASE_URL.`,
        { cause: error },
      );
    }
  }
}
