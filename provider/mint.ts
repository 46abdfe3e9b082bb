/**
 * Minting a token transactionally. Utho's create call returns the secret but no id, has no
 * idempotency key, and its list may lag behind. So:
 *
 * 1. know which ids existed before the POST (they can never be ours): every id this process
 *    has listed or minted so far (`known-ids.ts`), from one shared listing if there is none yet;
 * 2. POST. If the outcome is ambiguous (a dropped connection, a timeout, a 408 or 5xx, an
 *    unreadable 2xx), Utho may have minted a token whose secret we never saw: ask a listing a
 *    settle window later and revoke every new token there with our auto-generated name and
 *    scope (an explicit name may be another stack's: such a token is named in the error and
 *    left alone). Once that has shown nothing is left, POST again (see {@link POST_RETRIES});
 *    after the last attempt, fail;
 * 3. find the id in the shared listings requested after the POST returned, until exactly one
 *    new token (not known before, and above every id known then: Utho's ids only grow) has our
 *    name and scope, for an explicit name in the listing a settle window after the POST, while
 *    the new secret is verified; several candidates fail loudly rather than guess. Creates that
 *    finish together share those listings.
 *
 * The facts about Utho this relies on are listed in the README ("Transient faults, and what
 * the provider relies on").
 *
 * Mints of the same name and scope in one process (two resources of one program) run one
 * after the other, so each sees the other's token among the ids that existed before.
 */
import { UthoApiError, UthoAuthError, UthoConnectionError, UthoResponseError } from "../sdk/errors";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import type { TokenScope } from "../sdk/rules";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, describeError } from "./errors";
import type { KnownIds } from "./known-ids";
import { revokeToken } from "./revoke";
import { listingsAt, windowFrom } from "./settled-listings";

export interface MintedToken {
  id: string;
  token: string;
  createdAt: string;
}

interface Wanted {
  name: string;
  scope: TokenScope;
  /**
   * The name was generated for this resource (a random suffix): a new token with it can only
   * be this resource's. An explicit name may be another stack's too, in the same account.
   */
  autoNamed?: boolean;
}

const isNewMatch = (wanted: Wanted, before: KnownIds) => (t: UthoApiToken) =>
  !before.predates(t.id) && t.name === wanted.name && t.scope === wanted.scope;

/** True when Utho may have minted a token although the call failed. */
function mayHaveMinted(error: unknown): boolean {
  if (error instanceof UthoConnectionError) return error.mayHaveCommitted;
  // A 2xx that says it failed contradicts itself: it may have minted too.
  if (error instanceof UthoApiError) return error.status === 408 || error.status >= 500 || error.status < 300;
  // A 2xx whose body could not be read may well have minted one.
  return error instanceof UthoResponseError;
}

/**
 * After an ambiguous POST: the listings of a settle window from its failure show every token it
 * may have minted. New tokens there with our name and scope are revoked when the name proves
 * them ours (auto-named); a token with an explicit name is only reported, for it may be another
 * stack's. A stray once seen is revoked at a later listing if its revocation failed, also when
 * that listing lags and omits it. Reports the ids seen and revoked and, if the last listing
 * failed or a stray seen is not revoked, why.
 */
async function sweepStrays(ctx: ProviderContext, wanted: Wanted, before: KnownIds, failedAt: number) {
  const seen = new Set<string>();
  const revoked = new Set<string>();
  // Why each stray not revoked yet is not.
  const failures = new Map<string, unknown>();
  let listingProblem: unknown;
  const waitingFor = `Utho's token list to show whether the failed create of "${wanted.name}" minted a token`;
  for await (const listing of listingsAt(ctx, waitingFor, windowFrom(ctx, failedAt))) {
    listingProblem = "failed" in listing ? listing.failed : undefined;
    if (listingProblem instanceof UthoAuthError) break;
    if ("tokens" in listing)
      for (const stray of listing.tokens.filter(isNewMatch(wanted, before))) seen.add(stray.id);
    if (!wanted.autoNamed) continue;
    for (const id of [...seen].filter((stray) => !revoked.has(stray))) {
      await revokeToken(ctx, id, undefined).then(
        () => revoked.add(id) && failures.delete(id),
        (error: unknown) => failures.set(id, error),
      );
    }
  }
  return { seen: [...seen], revoked: [...revoked], problem: listingProblem ?? [...failures.values()][0] };
}

/**
 * A create whose POST failed ambiguously is tried again in the same run, at most this many
 * times, and only once the sweep has shown that it left no token behind (none appeared, or the
 * ones that did were revoked). What that relies on: Utho's list shows a token within the settle
 * window of its creation, the fact refresh relies on to call a token gone. A token of the
 * failed attempt therefore cannot show up later and be taken for the retry's.
 */
export const POST_RETRIES = 2;

/** The POST's secret, or why it failed and left nothing behind (the caller may try again). */
async function postOnce(
  ctx: ProviderContext,
  wanted: Wanted,
  before: KnownIds,
): Promise<{ token: string } | { leftNothing: string; error: unknown }> {
  try {
    return await ctx.client.apiTokens.create(wanted);
  } catch (error) {
    if (!mayHaveMinted(error)) throw error;
    const { seen, revoked, problem } = await sweepStrays(ctx, wanted, before, ctx.settle.now());
    const unproven = seen.filter((id) => !revoked.includes(id));
    if (problem === undefined && unproven.length > 0 && !wanted.autoNamed) {
      throw new ApiTokenProviderError(
        `Creating token "${wanted.name}" failed (${describeError(error)}), and then ` +
          `${unproven.length === 1 ? "a new token" : `${unproven.length} new tokens`} with that name and scope ` +
          `appeared (id ${unproven.join(", ")}). It may be the one this run asked for, or another stack's that ` +
          "uses the same name, so it was left alone: check with `utho-tokens audit --stack <each stack>`, revoke " +
          "it if no stack manages it, and run again.",
        { cause: error },
      );
    }
    if (problem !== undefined) {
      throw new ApiTokenProviderError(
        `Creating token "${wanted.name}" failed (${describeError(error)}), and making sure it left no token ` +
          `behind failed too (${describeError(problem)}). If it left one, revoke it before running again: ` +
          `${whereToFind(wanted)}.`,
        { cause: error },
      );
    }
    const outcome =
      revoked.length > 0
        ? `Utho had minted it anyway (id ${revoked.join(", ")}); that token was revoked`
        : `no token of that name appeared within ${ctx.settleSeconds} s`;
    return {
      leftNothing: `Creating token "${wanted.name}" failed (${describeError(error)}); ${outcome}`,
      error,
    };
  }
}

/**
 * Finds the id of the token our POST minted: the one new token (an id not known before the
 * POST, and above every id known then) with our name and scope, in listings requested after the
 * POST returned. A listing requested a settle window after the POST shows it. An auto-generated
 * name is ours alone, so the first listing that shows it settles it: the first one after the
 * POST, else the one a window later (and up to two more, should those fail or lag still). An
 * explicit name may be another stack's too, and a lagging listing could show only theirs: such
 * a create looks at a listing at each of the window's offsets from the POST (shared by its
 * wave), fails if any shows two candidates, and takes the last one seen. Failed listings are
 * persisted through: the token exists and only we know its secret.
 */
async function identify(
  ctx: ProviderContext,
  wanted: Wanted,
  before: KnownIds,
  postedAt: number,
): Promise<UthoApiToken> {
  const waitingFor = wanted.autoNamed
    ? `the new token "${wanted.name}" to appear in Utho's token list`
    : `Utho's token list to show that one new token is named "${wanted.name}" (another stack may use the name)`;
  const settled = postedAt + ctx.settleWindowMs;
  const times = wanted.autoNamed ? [postedAt, settled, settled, settled] : windowFrom(ctx, postedAt);
  let lastError: unknown;
  // The one candidate of the latest listing that showed one (a lagging listing may show none).
  let latest: UthoApiToken | undefined;
  for await (const listing of listingsAt(ctx, waitingFor, times)) {
    if ("failed" in listing) {
      if (listing.failed instanceof UthoAuthError) throw leftBehind(wanted, listing.failed);
      lastError = listing.failed;
      continue;
    }
    lastError = undefined;
    const candidates = listing.tokens.filter(isNewMatch(wanted, before));
    if (candidates.length > 1) {
      throw new ApiTokenProviderError(
        `Token "${wanted.name}" was minted, but ${candidates.length} new tokens with that name and scope ` +
          `appeared (ids ${candidates.map((c) => c.id).join(", ")}), so which one is ours cannot be ` +
          "told: another stack or process created one with the same name, or Utho listed a token from an " +
          "earlier failed attempt late. None was revoked: check them with `utho-tokens audit --stack <each " +
          "stack>`, revoke the ones no stack manages, and run again.",
      );
    }
    latest = candidates[0] ?? latest;
    if (latest && wanted.autoNamed) return latest;
  }
  if (latest) return latest;
  const reason = lastError
    ? `listing tokens to find its id failed (${describeError(lastError)})`
    : `it did not appear in Utho's token list within ${ctx.settleSeconds} s`;
  throw new ApiTokenProviderError(
    `Token "${wanted.name}" was minted, but ${reason}, so its id is unknown and it cannot be managed. ` +
      `Revoke it: ${whereToFind(wanted)}.`,
    { cause: lastError },
  );
}

/** How a person finds a token whose id is unknown: by its name, which only an auto-name proves ours. */
function whereToFind(wanted: Wanted): string {
  return wanted.autoNamed
    ? `the token named "${wanted.name}" in the Utho console`
    : `another stack may use the name "${wanted.name}" too, so revoke only the one that ` +
        "`utho-tokens audit --stack <each stack>` lists as unmanaged";
}

/** A mint that succeeded, then lost its credentials (401/403) before the token could be recorded. */
function leftBehind(wanted: Wanted, error: unknown): ApiTokenProviderError {
  return new ApiTokenProviderError(
    `Token "${wanted.name}" was minted, but then Utho refused the provider's API key (${describeError(error)}), ` +
      `so its id is unknown and the state does not hold it. Fix the key, then revoke it: ${whereToFind(wanted)}.`,
    { cause: error },
  );
}

/**
 * A new token for `wanted`. `alongside`, given the secret as soon as the POST returns, runs
 * while the listings identify the token's id (a create's verification), and its answer comes
 * back with the token.
 */
export async function mintToken<T>(
  ctx: ProviderContext,
  wanted: Wanted,
  alongside?: (secret: string) => Promise<T>,
): Promise<MintedToken & { alongside?: T }> {
  return ctx.oneAtATime(`${wanted.scope}\u0000${wanted.name}`, async () => {
    for (let attempt = 1; ; attempt++) {
      const before = await ctx.listings.knownIds();
      const posted = await postOnce(ctx, wanted, before);
      if ("leftNothing" in posted) {
        if (attempt > POST_RETRIES) {
          throw new ApiTokenProviderError(`${posted.leftNothing}. Run again.`, { cause: posted.error });
        }
        ctx.report(`${posted.leftNothing}; trying again (attempt ${attempt + 1} of ${POST_RETRIES + 1})`);
        continue;
      }
      const [found, answer] = await Promise.all([
        identify(ctx, wanted, before, ctx.settle.now()),
        alongside?.(posted.token),
      ]);
      ctx.listings.seen.add(found.id);
      return { id: found.id, token: posted.token, createdAt: found.createdAt, alongside: answer };
    }
  });
}
