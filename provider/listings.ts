/**
 * The rule: a caller gets the first listing requested after it asked and no sooner than the time
 * it names, and a listing is requested once as many callers are due as the most operations ever
 * ran at once, or a gather after the first came due: 150 ms, or that most times the median
 * spacing of the last 16 callers' arrivals when that is longer, at most 2 s.
 *
 * Why: Utho has no get-by-id and its create returns no id, so every question is answered by
 * `GET api`, the whole account: once per operation, O(N²) rows for N tokens. The engine runs at
 * most P operations at once, so a wave of P creates shares a listing; where it starts a wave's
 * operations far apart (it writes the whole state between steps, slower as N grows), the gather
 * stretches to the wave. Every wait is on the injected clock (`settle.ts`). Kept between
 * listings: the latest answers "is token X there" (our DELETE of X removes it), and every id
 * listed or minted predates any later POST (Utho's ids only grow).
 */
import type { UthoClient } from "../sdk/client";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import { gatherMs, REPORTED_WAIT_MS, type SettleTiming, seconds, windowMs } from "./settle";

export interface Listing {
  readonly tokens: readonly UthoApiToken[];
  readonly byId: ReadonlyMap<string, UthoApiToken>;
  /** When it was requested, on the settle clock. */
  readonly requestedAt: number;
}

/** The ids known at one moment: true for those, and for any id at or below the greatest of them. */
export type KnownIds = { predates(id: string): boolean };

/** The longest gather: what a caller may wait for company when callers arrive far apart. */
export const MAX_GATHER_MS = 2_000;

type Caller = { dueAt: number; resolve(listing: Listing): void; reject(error: unknown): void };

export class TokenListings {
  private latest: Listing | undefined;
  private firstListing: Promise<Listing> | undefined;
  private firstAt: number | undefined;
  /** Every id listed or minted so far, numbered in the order it became known. */
  private readonly known = new Map<string, number>();
  private greatestKnown = Number.NEGATIVE_INFINITY;
  private waiting: Caller[] = [];
  /** When the last 16 callers that wanted a listing at once (not at a later time) asked. */
  private arrivals: number[] = [];
  private running = 0;
  private mostRunning = 0;
  private timer: { at: number; abort: AbortController } | undefined;

  constructor(
    private readonly client: UthoClient,
    private readonly timing: SettleTiming,
    private readonly report: (message: string) => void,
  ) {}

  /** The settle window, in milliseconds: how far a listing may lag behind a create or a delete. */
  get windowMs(): number {
    return windowMs(this.timing);
  }

  /** Runs one engine operation, counted: the most ever running at once is how many callers gather. */
  async operation<T>(run: () => Promise<T>): Promise<T> {
    this.mostRunning = Math.max(this.mostRunning, ++this.running);
    try {
      return await run();
    } finally {
      this.running -= 1;
    }
  }

  /** The latest listing; the first one is requested at once, and whoever asks meanwhile shares it. */
  current(): Promise<Listing> {
    if (this.latest) return Promise.resolve(this.latest);
    this.firstListing ??= this.request().finally(() => {
      this.firstListing = undefined;
    });
    return this.firstListing;
  }

  /** Ids that certainly predate a POST sent right after this resolves: every id listed or minted so far. */
  async knownIds(): Promise<KnownIds> {
    await this.current();
    const count = this.known.size;
    const greatest = this.greatestKnown;
    // A non-numeric id (never seen from Utho) compares false, leaving only the known set.
    return { predates: (id) => (this.known.get(id) ?? count) < count || Number(id) <= greatest };
  }

  /**
   * The first listing requested after this call and no sooner than `notBefore` (settle clock). A
   * failed listing rejects: an error is never taken for an absence. A wait of 2 s or more is
   * reported, completing "waiting up to 7.8 s more for …" (undefined: the caller said it).
   */
  next(waitingFor: string | undefined, notBefore = Number.NEGATIVE_INFINITY): Promise<Listing> {
    const now = this.timing.now();
    if (waitingFor !== undefined) this.announce(waitingFor, notBefore);
    if (notBefore <= now) this.arrivals = [...this.arrivals.slice(-15), now];
    return new Promise((resolve, reject) => {
      this.waiting.push({ dueAt: Math.max(now, notBefore), resolve, reject });
      this.schedule();
    });
  }

  /**
   * Token `id` of the state as Utho lists it, or undefined once a listing requested a settle
   * window after this process's first one misses it too (by then even a lagging list shows a
   * token that exists): at most two listings, shared by every token found missing.
   */
  async find(id: string, waitingFor: string): Promise<UthoApiToken | undefined> {
    const latest = await this.current();
    const settled = (this.firstAt ?? latest.requestedAt) + this.windowMs;
    if (latest.byId.has(id) || latest.requestedAt >= settled) return latest.byId.get(id);
    return (await this.next(waitingFor, settled)).byId.get(id);
  }

  /** Says a wait until `until` (settle clock) for `waitingFor`, when it is 2 s or more. */
  private announce(waitingFor: string, until: number): void {
    const wait = until - this.timing.now();
    if (wait >= REPORTED_WAIT_MS) this.report(`waiting up to ${seconds(wait)} s more for ${waitingFor}`);
  }

  /**
   * The listings at each offset of a settle window from `from`, its wait said once: a list that
   * lags at random may need them all (an explicitly named create, the sweep after a failed POST).
   */
  async *window(waitingFor: string, from: number): AsyncGenerator<Listing | { failed: unknown }> {
    this.announce(waitingFor, from + this.windowMs);
    let at = from;
    for (const delay of [0, ...this.timing.delaysMs]) {
      at += delay;
      yield await this.next(undefined, at).catch((failed: unknown) => ({ failed }));
    }
  }

  /** Records a token this process minted and identified. */
  minted(token: UthoApiToken): void {
    this.learn(token.id);
  }

  /** Records that this process revoked token `id`: the latest listing no longer speaks for it. */
  revoked(id: string): void {
    if (!this.latest?.byId.has(id)) return;
    const tokens = this.latest.tokens.filter((t) => t.id !== id);
    this.latest = { ...this.latest, tokens, byId: new Map(tokens.map((t) => [t.id, t])) };
  }

  /** The gather: the configured one, or longer when callers have been arriving far apart. */
  private gather(): number {
    const gaps = this.arrivals.slice(1).map((at, i) => at - (this.arrivals[i] ?? at));
    const median = gaps.sort((a, b) => a - b)[gaps.length >> 1] ?? 0;
    return Math.max(gatherMs(this.timing), Math.min(this.mostRunning * median, MAX_GATHER_MS));
  }

  /** Sends a listing for the due callers when the rule says so, else sets the clock for when it will. */
  private schedule(): void {
    const now = this.timing.now();
    const due = this.waiting.filter((caller) => caller.dueAt <= now);
    const gatherEnd = Math.min(...due.map((caller) => caller.dueAt)) + this.gather();
    if (due.length > 0 && (due.length >= this.mostRunning || now >= gatherEnd)) {
      this.waiting = this.waiting.filter((caller) => caller.dueAt > now);
      const listing = this.request();
      for (const caller of due) listing.then(caller.resolve, caller.reject);
      this.schedule();
      return;
    }
    const later = this.waiting.map((caller) => caller.dueAt).filter((at) => at > now);
    const wakeAt = Math.min(gatherEnd, ...later);
    if (this.timer?.at === wakeAt) return;
    this.timer?.abort.abort();
    this.timer = undefined;
    if (wakeAt === Number.POSITIVE_INFINITY) return;
    const timer = { at: wakeAt, abort: new AbortController() };
    this.timer = timer;
    this.timing.sleep(wakeAt - now, timer.abort.signal).then(
      () => {
        if (this.timer === timer) this.timer = undefined;
        this.schedule();
      },
      () => undefined,
    );
  }

  /** One `GET api`, remembered. */
  private async request(): Promise<Listing> {
    const requestedAt = this.timing.now();
    this.firstAt ??= requestedAt;
    const tokens = await this.client.apiTokens.list();
    const listing = { tokens, byId: new Map(tokens.map((t) => [t.id, t])), requestedAt };
    // Listings may answer out of order: the latest is the one requested last.
    if (!this.latest || requestedAt >= this.latest.requestedAt) this.latest = listing;
    for (const token of tokens) this.learn(token.id);
    return listing;
  }

  private learn(id: string): void {
    if (this.known.has(id)) return;
    this.known.set(id, this.known.size);
    if (Number(id) > this.greatestKnown) this.greatestKnown = Number(id);
  }
}
