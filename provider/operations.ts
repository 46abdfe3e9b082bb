/**
 * The provider's logic, loaded at run time by the serialized provider (see `serializable.ts`).
 * Nothing here is captured into the Pulumi state: this module is `require`d inside the dynamic
 * provider host, so it can use zod, undici and the SDK freely.
 */
import type * as pulumi from "@pulumi/pulumi";
import { registerSecret, UthoNotFoundError } from "../sdk";
import { adoptToken, verifySecret } from "./adopt";
import { checkInputs } from "./check";
import { configureFromStack, type ProviderConfig, providerClient } from "./credentials";
import { diffToken } from "./diff";
import { mintToken } from "./mint";
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
function outputsOf(inputs: ApiTokenInputs, createdAt: string, token: string | undefined) {
  const outs: ApiTokenOutputs = {
    name: inputs.name,
    scope: inputs.scope,
    createdAt,
    ...(token === undefined ? {} : { token }),
    ...(inputs.rotation === undefined ? {} : { rotation: inputs.rotation }),
    ...(inputs.namePrefix === undefined ? {} : { namePrefix: inputs.namePrefix }),
    ...(inputs.autoNamed ? { autoNamed: true } : {}),
  };
  return outs;
}

export async function create(inputs: ApiTokenInputs): Promise<CreateResult> {
  registerSecret(inputs.adopt?.token);
  const client = providerClient();
  if (inputs.adopt) {
    const adopted = await adoptToken(client, inputs, inputs.adopt);
    return { id: adopted.id, outs: outputsOf(inputs, adopted.createdAt, inputs.adopt.token) };
  }
  const minted = await mintToken(client, inputs);
  return { id: minted.id, outs: outputsOf(inputs, minted.createdAt, minted.token) };
}

/**
 * Refresh. A token missing from a successful list is gone: an empty id makes Pulumi drop it so
 * the next `up` recreates it. A failed list (401, 5xx, timeout) throws: an error is never read
 * as a deletion. The secret cannot be read back, so it is carried over, never blanked.
 */
export async function read(id: string, props: ApiTokenOutputs): Promise<ReadResult> {
  registerSecret(props.token);
  const tokens = await providerClient().apiTokens.list();
  const current = tokens.find((t) => t.id === id);
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

/** Revokes the token. Already gone (404) counts as deleted. */
export async function remove(id: string, props: ApiTokenOutputs): Promise<void> {
  registerSecret(props.token);
  try {
    await providerClient().apiTokens.delete(id);
  } catch (error) {
    if (!(error instanceof UthoNotFoundError)) throw error;
  }
}
