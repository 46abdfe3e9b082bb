/**
 * Minting a token transactionally. Utho's create call returns the secret but no id, has no
 * idempotency key, and its list may lag behind. So:
 *
 * 1. remember which ids existed before the POST (they can never be ours);
 * 2. POST once. If the outcome is ambiguous (a dropped connection, a timeout, a 408 or 5xx, an
 *    unreadable 2xx), Utho may have minted a token whose secret we never saw: watch the list
 *    for the whole settle window, revoke every new token with our name and scope, and fail.
 *    The POST is not repeated in the same run: a token from the first attempt that Utho lists
 *    late could then be paired with the second attempt's secret;
 * 3. find the id by listing until exactly one new token has our name and scope, persisting
 *    through failed listings (the token exists and only we know its secret); several
 *    candidates fail loudly rather than guess.
 *
 * Mints of the same name and scope in one process (two resources of one program) run one
 * after the other, so each sees the other's token among the ids that existed before.
 */
import {
  UthoApiError,
  UthoAuthError,
  UthoConnectionError,
  UthoNotFoundError,
  UthoResponseError,
} from "../sdk/errors";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import type { TokenScope } from "../sdk/rules";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, describe } from "./errors";

export interface MintedToken {
  id: string;
  token: string;
  createdAt: string;
}

interface Wanted {
  name: string;
  scope: TokenScope;
}

const isNewMatch = (wanted: Wanted, before: ReadonlySet<string>) => (t: UthoApiToken) =>
  !before.has(t.id) && t.name === wanted.name && t.scope === wanted.scope;

/** True when Utho may have minted a token although the call failed. */
function mayHaveMinted(error: unknown): boolean {
  if (error instanceof UthoConnectionError) return error.mayHaveCommitted;
  if (error instanceof UthoApiError) return error.status === 408 || error.status >= 500;
  // A 2xx whose body could not be read may well have minted one.
  return error instanceof UthoResponseError;
}

/**
 * After an ambiguous POST: lists through the whole settle window, revoking every new token
 * with our name and scope. Reports the ids revoked and, if the last listing or a revocation
 * still failed, that error.
 */
async function sweepStrays(ctx: ProviderContext, wanted: Wanted, before: ReadonlySet<string>) {
  const revoked: string[] = [];
  let problem: unknown;
  const waitingFor = `Utho's token list to show whether the failed create of "${wanted.name}" minted a token`;
  for await (const _ of ctx.settleRounds(waitingFor)) {
    problem = undefined;
    try {
      for (const stray of (await ctx.client.apiTokens.list()).filter(isNewMatch(wanted, before))) {
        await ctx.client.apiTokens.delete(stray.id).catch((error: unknown) => {
          if (!(error instanceof UthoNotFoundError)) throw error;
        });
        revoked.push(stray.id);
      }
    } catch (error) {
      problem = error;
      if (error instanceof UthoAuthError) break;
    }
  }
  return { revoked, problem };
}

async function postOnce(ctx: ProviderContext, wanted: Wanted, before: ReadonlySet<string>) {
  try {
    return (await ctx.client.apiTokens.create(wanted)).token;
  } catch (error) {
    if (!mayHaveMinted(error)) throw error;
    const { revoked, problem } = await sweepStrays(ctx, wanted, before);
    if (problem !== undefined) {
      throw new ApiTokenProviderError(
        `Creating token "${wanted.name}" failed (${describe(error)}), and making sure it left no token ` +
          `behind failed too (${describe(problem)}). Look for a token named "${wanted.name}" in the ` +
          "Utho console and delete it before running again.",
        { cause: error },
      );
    }
    const outcome =
      revoked.length > 0
        ? `Utho had minted it anyway (id ${revoked.join(", ")}); that token was revoked`
        : `no token of that name appeared within ${ctx.settleSeconds} s`;
    throw new ApiTokenProviderError(
      `Creating token "${wanted.name}" failed (${describe(error)}); ${outcome}. Run again.`,
      { cause: error },
    );
  }
}

async function identify(
  ctx: ProviderContext,
  wanted: Wanted,
  before: ReadonlySet<string>,
): Promise<UthoApiToken> {
  let lastError: unknown;
  for await (const _ of ctx.settleRounds(`the new token "${wanted.name}" to appear in Utho's token list`)) {
    lastError = undefined;
    try {
      const candidates = (await ctx.client.apiTokens.list()).filter(isNewMatch(wanted, before));
      if (candidates.length === 1) return candidates[0] as UthoApiToken;
      if (candidates.length > 1) {
        throw new ApiTokenProviderError(
          `Token "${wanted.name}" was minted, but ${candidates.length} new tokens with that name and scope ` +
            `appeared at once (ids ${candidates.map((c) => c.id).join(", ")}), so which one is ours cannot be ` +
            "told: another process created one with the same name, or Utho listed a token from an earlier " +
            "failed attempt late. Delete the ones you do not recognise in the Utho console and run again.",
        );
      }
    } catch (error) {
      if (error instanceof ApiTokenProviderError || error instanceof UthoAuthError) throw error;
      lastError = error;
    }
  }
  const reason = lastError
    ? `listing tokens to find its id failed (${describe(lastError)})`
    : `it did not appear in Utho's token list within ${ctx.settleSeconds} s`;
  throw new ApiTokenProviderError(
    `Token "${wanted.name}" was minted, but ${reason}, so its id is unknown and it cannot be managed. ` +
      `Delete the token named "${wanted.name}" in the Utho console.`,
    { cause: lastError },
  );
}

export async function mintToken(ctx: ProviderContext, wanted: Wanted): Promise<MintedToken> {
  return ctx.oneAtATime(`${wanted.scope}\u0000${wanted.name}`, async () => {
    const before = new Set((await ctx.client.apiTokens.list()).map((t) => t.id));
    const token = await postOnce(ctx, wanted, before);
    const found = await identify(ctx, wanted, before);
    return { id: found.id, token, createdAt: found.createdAt };
  });
}
