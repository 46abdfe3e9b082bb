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
 * stretches to the wave. Every wait is on the injected clock (`settle.ts`). The latest listing
 * answers "is token X there" until the next (our DELETE of X removes X from it); what waits for
 * a settle window is `settled-listings.ts`.
 */
import type { UthoClient } from "../sdk/client";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import { type KnownIds, SeenIds } from "./known-ids";
import { gatherMs, type SettleTiming } from "./settle";

export interface Listing {
  readonly tokens: readonly UthoApiToken[];
  readonly byId: ReadonlyMap<string, UthoApiToken>;
  /** When it was requested, on the settle clock. */
  readonly requestedAt: number;
}

/** The longest gather: what a caller may wait for company when callers arrive far apart. */
export const MAX_GATHER_MS = 2_000;

type Caller = { dueAt: number; resolve(listing: Listing): void; reject(error: unknown): void };

export class TokenListings {
  /** Every id listed or minted so far. */
  readonly seen = new SeenIds();
  private latest: Listing | undefined;
  private firstListing: Promise<Listing> | undefined;
  private firstAt: number | undefined;
  private waiting: Caller[] = [];
  /** When the last 16 callers that wanted a listing at once (not at a later time) asked. */
  private arrivals: number[] = [];
  private running = 0;
  private mostRunning = 0;
  private timer: { at: number; abort: AbortController } | undefined;

  constructor(
    private readonly client: UthoClient,
    private readonly timing: SettleTiming,
  ) {}

  /** When this process requested its first listing (settle clock). */
  get firstRequestedAt(): number | undefined {
    return this.firstAt;
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

  /** Ids that certainly predate a POST sent right after this resolves. */
  async knownIds(): Promise<KnownIds> {
    await this.current();
    return this.seen.snapshot();
  }

  /** The first listing requested after this call and no sooner than `notBefore` (settle clock); a failed one rejects. */
  next(notBefore = Number.NEGATIVE_INFINITY): Promise<Listing> {
    const now = this.timing.now();
    if (notBefore <= now) this.arrivals = [...this.arrivals.slice(-15), now];
    return new Promise((resolve, reject) => {
      this.waiting.push({ dueAt: Math.max(now, notBefore), resolve, reject });
      this.schedule();
    });
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

  /** Sends a listing for the due callers when the rule says so, and sets the clock for when it next may. */
  private schedule(): void {
    const now = this.timing.now();
    const due = this.waiting.filter((caller) => caller.dueAt <= now);
    let gatherEnd = Math.min(...due.map((caller) => caller.dueAt)) + this.gather();
    if (due.length > 0 && (due.length >= this.mostRunning || now >= gatherEnd)) {
      const listing = this.request();
      for (const caller of due) listing.then(caller.resolve, caller.reject);
      this.waiting = this.waiting.filter((caller) => caller.dueAt > now);
      gatherEnd = Number.POSITIVE_INFINITY;
    }
    const wakeAt = Math.min(
      gatherEnd,
      ...this.waiting.map((caller) => caller.dueAt).filter((at) => at > now),
    );
    if (this.timer?.at === wakeAt) return;
    this.timer?.abort.abort();
    const timer = { at: wakeAt, abort: new AbortController() };
    this.timer = wakeAt === Number.POSITIVE_INFINITY ? undefined : timer;
    if (!this.timer) return;
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
    for (const token of tokens) this.seen.add(token.id);
    return listing;
  }
}
