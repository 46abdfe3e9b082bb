/**
 * Minting a token transactionally. Utho's create call returns the secret but no id, has no
 * idempotency key, and its list may lag behind. So:
 *
 * 1. remember which ids existed before the POST (they can never be ours);
 * 2. POST once; if the outcome is ambiguous (a dropped connection, a timeout, a 5xx, an
 *    unreadable 2xx), delete every new token with our name, whose secret we never saw, and
 *    only then try again, so a retry can never leave a second token behind;
 * 3. find the id by listing until exactly one new token carries our name and scope; several
 *    candidates fail loudly rather than guess.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type TokenScope,
  UthoApiError,
  type UthoApiToken,
  type UthoClient,
  UthoConnectionError,
  UthoResponseError,
} from "../sdk";
import { ApiTokenProviderError, describe } from "./errors";

export interface MintOptions {
  /** Waits between list calls while the new token is not listed yet. */
  identifyDelaysMs: readonly number[];
  /** POST attempts, counting the first; each repeat follows a verified clean-up. */
  maxCreateAttempts: number;
}

export const DEFAULT_MINT_OPTIONS: MintOptions = {
  identifyDelaysMs: [250, 500, 1000, 2000, 4000],
  maxCreateAttempts: 2,
};

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
  if (error instanceof UthoApiError) return error.status >= 500;
  // A 2xx whose body could not be read may well have minted one.
  return error instanceof UthoResponseError;
}

/** Deletes tokens Utho may have minted for a failed POST. Throws if it cannot make sure. */
async function removeUnclaimed(
  client: UthoClient,
  wanted: Wanted,
  before: ReadonlySet<string>,
  cause: unknown,
) {
  let strays: UthoApiToken[];
  try {
    strays = (await client.apiTokens.list()).filter(isNewMatch(wanted, before));
  } catch (listError) {
    throw new ApiTokenProviderError(
      `Creating token "${wanted.name}" failed (${describe(cause)}) and checking for a token it may ` +
        `have minted failed too (${describe(listError)}). Look for a token named "${wanted.name}" in the ` +
        "Utho console and delete it before running again.",
      { cause },
    );
  }
  for (const stray of strays) {
    try {
      await client.apiTokens.delete(stray.id);
    } catch (deleteError) {
      if (deleteError instanceof UthoApiError && deleteError.status === 404) continue;
      throw new ApiTokenProviderError(
        `Creating token "${wanted.name}" failed (${describe(cause)}); it minted token id ${stray.id}, ` +
          `which could not be deleted (${describe(deleteError)}). Delete token ${stray.id} ` +
          `("${wanted.name}") in the Utho console.`,
        { cause },
      );
    }
  }
}

async function postOnce(
  client: UthoClient,
  wanted: Wanted,
  before: ReadonlySet<string>,
  options: MintOptions,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await client.apiTokens.create(wanted)).token;
    } catch (error) {
      if (!mayHaveMinted(error)) throw error;
      await removeUnclaimed(client, wanted, before, error);
      if (attempt >= options.maxCreateAttempts) {
        throw new ApiTokenProviderError(
          `Creating token "${wanted.name}" failed (${describe(error)}); nothing was left behind. Run again.`,
          { cause: error },
        );
      }
    }
  }
}

async function identify(
  client: UthoClient,
  wanted: Wanted,
  before: ReadonlySet<string>,
  options: MintOptions,
): Promise<UthoApiToken> {
  for (let i = 0; ; i++) {
    const candidates = (await client.apiTokens.list()).filter(isNewMatch(wanted, before));
    if (candidates.length === 1) return candidates[0] as UthoApiToken;
    if (candidates.length > 1) {
      throw new ApiTokenProviderError(
        `Token "${wanted.name}" was minted, but ${candidates.length} new tokens with that name and scope ` +
          `appeared at once (ids ${candidates.map((c) => c.id).join(", ")}), so which one is ours cannot be ` +
          "told. Another process created tokens with the same name. Delete the ones you do not recognise in " +
          "the Utho console and run again.",
      );
    }
    const delay = options.identifyDelaysMs[i];
    if (delay === undefined) {
      throw new ApiTokenProviderError(
        `Token "${wanted.name}" was minted but never appeared in Utho's token list, so its id is unknown ` +
          `and it cannot be managed. Delete the token named "${wanted.name}" in the Utho console.`,
      );
    }
    await sleep(delay);
  }
}

export async function mintToken(
  client: UthoClient,
  wanted: Wanted,
  options: MintOptions = DEFAULT_MINT_OPTIONS,
): Promise<MintedToken> {
  const before = new Set((await client.apiTokens.list()).map((t) => t.id));
  const token = await postOnce(client, wanted, before, options);
  let found: UthoApiToken;
  try {
    found = await identify(client, wanted, before, options);
  } catch (error) {
    if (error instanceof ApiTokenProviderError) throw error;
    throw new ApiTokenProviderError(
      `Token "${wanted.name}" was minted, but listing tokens to find its id failed (${describe(error)}). ` +
        `Delete the token named "${wanted.name}" in the Utho console before running again.`,
      { cause: error },
    );
  }
  return { id: found.id, token, createdAt: found.createdAt };
}
