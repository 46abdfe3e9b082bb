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
  type TokenScope,
  UthoApiError,
  type UthoApiToken,
  UthoAuthError,
  type UthoClient,
  UthoConnectionError,
  UthoNotFoundError,
  UthoResponseError,
} from "../sdk";
import { ApiTokenProviderError, describe } from "./errors";
import { SETTLE_DELAYS_MS, settleRounds, settleSeconds } from "./settle";

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
async function sweepStrays(
  client: UthoClient,
  wanted: Wanted,
  before: ReadonlySet<string>,
  delays: readonly number[],
) {
  const revoked: string[] = [];
  let problem: unknown;
  for await (const _ of settleRounds(delays)) {
    problem = undefined;
    try {
      for (const stray of (await client.apiTokens.list()).filter(isNewMatch(wanted, before))) {
        await client.apiTokens.delete(stray.id).catch((error: unknown) => {
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

async function postOnce(
  client: UthoClient,
  wanted: Wanted,
  before: ReadonlySet<string>,
  delays: readonly number[],
) {
  try {
    return (await client.apiTokens.create(wanted)).token;
  } catch (error) {
    if (!mayHaveMinted(error)) throw error;
    const { revoked, problem } = await sweepStrays(client, wanted, before, delays);
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
        : `no token of that name appeared within ${settleSeconds(delays)} s`;
    throw new ApiTokenProviderError(
      `Creating token "${wanted.name}" failed (${describe(error)}); ${outcome}. Run again.`,
      { cause: error },
    );
  }
}

async function identify(
  client: UthoClient,
  wanted: Wanted,
  before: ReadonlySet<string>,
  delays: readonly number[],
): Promise<UthoApiToken> {
  let lastError: unknown;
  for await (const _ of settleRounds(delays)) {
    lastError = undefined;
    try {
      const candidates = (await client.apiTokens.list()).filter(isNewMatch(wanted, before));
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
    : `it did not appear in Utho's token list within ${settleSeconds(delays)} s`;
  throw new ApiTokenProviderError(
    `Token "${wanted.name}" was minted, but ${reason}, so its id is unknown and it cannot be managed. ` +
      `Delete the token named "${wanted.name}" in the Utho console.`,
    { cause: lastError },
  );
}

// Mints in flight in this process, by name and scope.
const inFlight = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task with the same key has settled. */
async function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = inFlight.get(key) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(task);
  inFlight.set(key, current);
  try {
    return await current;
  } finally {
    if (inFlight.get(key) === current) inFlight.delete(key);
  }
}

export async function mintToken(
  client: UthoClient,
  wanted: Wanted,
  settleDelaysMs: readonly number[] = SETTLE_DELAYS_MS,
): Promise<MintedToken> {
  return oneAtATime(`${wanted.scope}\u0000${wanted.name}`, async () => {
    const before = new Set((await client.apiTokens.list()).map((t) => t.id));
    const token = await postOnce(client, wanted, before, settleDelaysMs);
    const found = await identify(client, wanted, before, settleDelaysMs);
    return { id: found.id, token, createdAt: found.createdAt };
  });
}
