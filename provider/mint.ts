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
 *
 * Steps 2's clean-up and 3 run while a token may exist that nobody else knows about, so they
 * persist through transient failures (on top of the SDK's own retries) before giving up, and
 * when they do give up the error names the token to delete.
 */
import { setTimeout as sleep } from "node:timers/promises";
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

export interface MintOptions {
  /** Waits between attempts of a step that must not give up early (finding the id, cleaning up). */
  persistDelaysMs: readonly number[];
  /** POST attempts, counting the first; each repeat follows a verified clean-up. */
  maxCreateAttempts: number;
}

export const DEFAULT_MINT_OPTIONS: MintOptions = {
  persistDelaysMs: [250, 500, 1000, 2000, 4000],
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

/**
 * Runs `step` until it returns a value, waiting `delays` between tries. A rejected key is final:
 * asking again cannot help. Returns the last error when the delays run out.
 */
async function persist<T>(
  delays: readonly number[],
  step: () => Promise<T | undefined>,
): Promise<{ value: T } | { error: unknown }> {
  let lastError: unknown;
  for (let i = 0; ; i++) {
    try {
      const value = await step();
      if (value !== undefined) return { value };
    } catch (error) {
      if (error instanceof UthoAuthError || error instanceof ApiTokenProviderError) return { error };
      lastError = error;
    }
    const delay = delays[i];
    if (delay === undefined) return { error: lastError };
    await sleep(delay);
  }
}

/** Deletes tokens Utho may have minted for a failed POST. Throws if it cannot make sure. */
async function removeUnclaimed(
  client: UthoClient,
  wanted: Wanted,
  before: ReadonlySet<string>,
  cause: unknown,
  options: MintOptions,
): Promise<void> {
  const cleaned = await persist(options.persistDelaysMs, async () => {
    for (const stray of (await client.apiTokens.list()).filter(isNewMatch(wanted, before))) {
      try {
        await client.apiTokens.delete(stray.id);
      } catch (error) {
        if (!(error instanceof UthoNotFoundError)) throw error;
      }
    }
    return true;
  });
  if ("error" in cleaned) {
    throw new ApiTokenProviderError(
      `Creating token "${wanted.name}" failed (${describe(cause)}), and making sure it left no token ` +
        `behind failed too (${describe(cleaned.error)}). Look for a token named "${wanted.name}" in the ` +
        "Utho console and delete it before running again.",
      { cause },
    );
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
      await removeUnclaimed(client, wanted, before, error, options);
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
  const found = await persist(options.persistDelaysMs, async () => {
    const candidates = (await client.apiTokens.list()).filter(isNewMatch(wanted, before));
    if (candidates.length > 1) {
      throw new ApiTokenProviderError(
        `Token "${wanted.name}" was minted, but ${candidates.length} new tokens with that name and scope ` +
          `appeared at once (ids ${candidates.map((c) => c.id).join(", ")}), so which one is ours cannot be ` +
          "told. Another process created tokens with the same name. Delete the ones you do not recognise in " +
          "the Utho console and run again.",
      );
    }
    return candidates[0];
  });
  if ("value" in found) return found.value;
  if (found.error instanceof ApiTokenProviderError) throw found.error;
  const reason = found.error
    ? `listing tokens to find its id failed (${describe(found.error)})`
    : "it never appeared in Utho's token list";
  throw new ApiTokenProviderError(
    `Token "${wanted.name}" was minted, but ${reason}, so its id is unknown and it cannot be managed. ` +
      `Delete the token named "${wanted.name}" in the Utho console.`,
    { cause: found.error },
  );
}

export async function mintToken(
  client: UthoClient,
  wanted: Wanted,
  options: MintOptions = DEFAULT_MINT_OPTIONS,
): Promise<MintedToken> {
  const before = new Set((await client.apiTokens.list()).map((t) => t.id));
  const token = await postOnce(client, wanted, before, options);
  const found = await identify(client, wanted, before, options);
  return { id: found.id, token, createdAt: found.createdAt };
}
