/**
 * Listings a settle window apart (`settle.ts`): what the provider asks before it concludes from an
 * absence (a token is gone, a failed POST minted nothing) or picks a new token's id.
 */
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import type { ProviderContext } from "./context";
import type { Listing } from "./listings";
import { REPORTED_WAIT_MS, seconds } from "./settle";

/** `from` and each offset of a settle window from it: a list lagging at random may need them all. */
export function windowFrom(ctx: ProviderContext, from: number): number[] {
  let at = from;
  return [from, ...ctx.settle.delaysMs.map((delay) => (at += delay))];
}

/** Says a wait until `until` (settle clock) for `waitingFor` when it is 2 s or more; true if it did. */
function announce(ctx: ProviderContext, waitingFor: string, until: number): boolean {
  const wait = until - ctx.settle.now();
  if (wait >= REPORTED_WAIT_MS) ctx.report(`waiting up to ${seconds(wait)} s more for ${waitingFor}`);
  return wait >= REPORTED_WAIT_MS;
}

/**
 * A listing requested no sooner than each of `times` (settle clock), a failed one yielded as
 * `{ failed }` (never taken for an absence). A wait of 2 s or more is said when it begins,
 * completing "waiting up to 7.8 s more for …".
 */
export async function* listingsAt(
  ctx: ProviderContext,
  waitingFor: string,
  times: readonly number[],
): AsyncGenerator<Listing | { failed: unknown }> {
  let said = false;
  for (const time of times) {
    if (!said && time > ctx.settle.now()) said = announce(ctx, waitingFor, Math.max(...times));
    yield await ctx.listings.next(time).catch((failed: unknown) => ({ failed }));
  }
}

/**
 * Token `id` as Utho lists it, or undefined once a listing requested a settle window after this
 * process's first one misses it too (by then even a lagging list shows a token that exists): at
 * most two listings, shared by every token found missing.
 */
export async function findToken(
  ctx: ProviderContext,
  id: string,
  waitingFor: string,
): Promise<UthoApiToken | undefined> {
  const latest = await ctx.listings.current();
  const settled = (ctx.listings.firstRequestedAt ?? latest.requestedAt) + ctx.settleWindowMs;
  if (latest.byId.has(id) || latest.requestedAt >= settled) return latest.byId.get(id);
  announce(ctx, waitingFor, settled);
  return (await ctx.listings.next(settled)).byId.get(id);
}
