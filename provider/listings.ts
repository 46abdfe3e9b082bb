/**
 * Token listings shared by every operation of one provider process on one account. Utho has no
 * get-by-id and its create returns no id, so every question (which ids exist, is this token
 * still there, which token did my POST mint) is answered from `GET api`, which returns the whole
 * account. Asked once per operation, that is O(N²) rows for N tokens; here one listing answers
 * every question that is waiting for it:
 *
 * - Watchers ask for listings at the offsets of a settle window from their own start (the first
 *   at once). One loop makes the requests: it waits until the earliest watcher is due, gathers
 *   (no POST of this process in flight, and no new watcher for a quiet spell), then
 *   lists once and hands the result to every watcher that is due. So creates that finish
 *   together share their post-create lookup, and every token whose absence must be confirmed
 *   waits out one shared window.
 * - A listing counts for a watcher only if it was requested after the watcher joined (`seq`):
 *   a listing sent before a POST completed can never be taken to show what the POST minted.
 * - Facts kept between listings, and what makes them stale: the latest listing answers "is
 *   token X there" (a DELETE of X by this process removes X from it; a POST changes nothing it
 *   claims); every id ever listed or minted here is known to predate any later POST (Utho never
 *   reuses an id), so a create needs no listing of its own before its POST once one exists.
 */
import type { UthoClient } from "../sdk/client";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import { REPORTED_WAIT_MS, type SettleTiming, seconds, settleOffsets } from "./settle";

/**
 * A due listing is sent once no POST of this process is in flight and either as many watchers
 * are due as the most that were ever due together, counting those that joined a listing too late
 * for it (the engine runs a fixed number of operations at once, so when that many wait, no one
 * else can come; a gather cut short learns the true number from who missed it), or none has
 * joined for a quiet spell:
 * at least this long, and longer when operations have been arriving further apart (the engine
 * writes its state after every step, so at a thousand resources they come tens of milliseconds
 * apart), up to {@link GATHER_QUIET_MAX_MS}.
 */
export const GATHER_QUIET_MS = 50;
export const GATHER_QUIET_MAX_MS = 300;
/** …and at the latest this long after it was due. */
export const GATHER_MAX_MS = 1_000;
/** How many recent gaps between joining watchers set the quiet spell. */
const RECENT_GAPS = 16;

export interface Listing {
  readonly tokens: readonly UthoApiToken[];
  readonly byId: ReadonlyMap<string, UthoApiToken>;
  /** When it was requested, on the settle clock. */
  readonly requestedAt: number;
  /** Its place in this process's sequence of listings and joins. */
  readonly seq: number;
}

/** What a watcher wants from the listings it is shown. */
export interface Watch<T> {
  /** Completes "waiting up to 6.0 s more for …" when a wait of 2 s or more is reported. */
  waitingFor: string;
  /** One listing: `{ done }` ends the watch with that value; undefined asks for the next one. */
  see(listing: Listing): { done: T } | undefined | Promise<{ done: T } | undefined>;
  /** A listing that failed (after the SDK's retries). Throw to end the watch with that error. */
  failed(error: unknown): void;
}

export type WatchOutcome<T> = { done: T } | { expired: true };

/** The ids known at one moment, and so the tokens that predate a POST sent after that moment. */
export interface KnownIds {
  /**
   * True for an id known then, and for any id at or below the greatest id known then: Utho's ids
   * only grow, so a token that first shows up later (a lagging listing, another process's
   * create) with a smaller id was created before that moment and cannot be the POST's.
   */
  predates(id: string): boolean;
}

interface Watcher {
  watch: Watch<unknown>;
  /** The window's offsets count from here (settle clock). */
  start: number;
  /** Only listings with a greater `seq` count. */
  afterSeq: number;
  /** Index of the next offset it wants a listing at. */
  next: number;
  reported: boolean;
  settle(outcome: WatchOutcome<unknown>): void;
  fail(error: unknown): void;
}

export class TokenListings {
  private latest: Listing | undefined;
  private firstListing: Promise<Listing> | undefined;
  /**
   * Every id listed or minted so far, numbered in the order they became known, so that the ids
   * known at a moment are those numbered below the count then: a snapshot per create costs
   * nothing, where a copy per create would make a run of N creates copy O(N²) ids.
   */
  private readonly known = new Map<string, number>();
  /** The greatest numeric id in `known`. */
  private greatestKnown = Number.NEGATIVE_INFINITY;
  private readonly lastListedAt = new Map<string, number>();
  private readonly listingTimes: number[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly offsets: number[];
  private seq = 0;
  private postsInFlight = 0;
  private lastActivity = 0;
  private lastJoin = 0;
  private readonly recentGaps: number[] = [];
  /** The most watchers that were due together when a listing was sent, with those that just missed it. */
  private widest = 0;
  private poke: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private wake: AbortController | undefined;

  constructor(
    private readonly client: UthoClient,
    private readonly timing: SettleTiming,
    private readonly report: (message: string) => void,
  ) {
    this.offsets = settleOffsets(timing);
  }

  /** The `seq` of the latest listing requested so far: a listing with a greater one is requested later. */
  get lastSeq(): number {
    return this.seq;
  }

  /** The whole settle window, in milliseconds. */
  get windowMs(): number {
    return this.offsets[this.offsets.length - 1] ?? 0;
  }

  /**
   * Ids that certainly predate a POST sent right after this resolves: every id listed or
   * minted so far in this process. The first call waits for the first listing, gathered like
   * any shared listing, so that the first wave of creates shares it and POSTs together.
   */
  async knownIds(): Promise<KnownIds> {
    if (!this.latest) await this.fresh("Utho's token list");
    const count = this.known.size;
    const greatest = this.greatestKnown;
    // A non-numeric id (never seen from Utho) compares false, leaving only the known set.
    return { predates: (id) => (this.known.get(id) ?? count) < count || Number(id) <= greatest };
  }

  private learn(id: string): void {
    if (this.known.has(id)) return;
    this.known.set(id, this.known.size);
    const numeric = Number(id);
    if (numeric > this.greatestKnown) this.greatestKnown = numeric;
  }

  /** Runs a POST, so that no shared listing is sent while it is in flight. */
  async posting<T>(post: () => Promise<T>): Promise<T> {
    this.postsInFlight += 1;
    try {
      return await post();
    } finally {
      this.postsInFlight -= 1;
      this.touched();
    }
  }

  /** Records a token this process minted and identified. */
  minted(token: UthoApiToken): void {
    this.learn(token.id);
  }

  /** Records that this process revoked token `id`: the latest listing no longer speaks for it. */
  revoked(id: string): void {
    if (!this.latest?.byId.has(id)) return;
    const byId = new Map(this.latest.byId);
    byId.delete(id);
    this.latest = { ...this.latest, byId, tokens: this.latest.tokens.filter((t) => t.id !== id) };
  }

  /**
   * The latest listing of this process. The first one is requested at once, without gathering:
   * whoever asks before it answers rides on that same request (single flight), and a listing of
   * any age is all these callers need.
   */
  current(): Promise<Listing> {
    if (this.latest) return Promise.resolve(this.latest);
    this.firstListing ??= this.request().finally(() => {
      this.firstListing = undefined;
    });
    return this.firstListing;
  }

  /** A listing requested from now on. */
  async fresh(waitingFor: string): Promise<Listing> {
    const outcome = await this.watch<Listing>({
      waitingFor,
      see: (listing) => ({ done: listing }),
      failed: (error) => {
        throw error;
      },
    });
    // A watch that takes the first listing it sees cannot expire.
    if (!("done" in outcome)) throw new Error("unreachable: a fresh listing expired");
    return outcome.done;
  }

  /**
   * Token `id` as Utho lists it, or undefined when every listing of a settle window, counted
   * from the first listing that missed it, missed it. The latest listing answers at once when it
   * shows the token. A failed listing throws: an error is never taken for an absence.
   */
  async find(id: string, waitingFor: string): Promise<UthoApiToken | undefined> {
    const latest = this.latest;
    const listed = latest?.byId.get(id);
    if (listed) return listed;
    const watch: Watch<UthoApiToken> = {
      waitingFor,
      see: (listing) => {
        const token = listing.byId.get(id);
        return token ? { done: token } : undefined;
      },
      failed: (error) => {
        throw error;
      },
    };
    const outcome = await this.watch(
      watch,
      latest && { start: this.firstMissSince(id), afterSeq: latest.seq },
    );
    return "done" in outcome ? outcome.done : undefined;
  }

  /**
   * Shows `watch` the listings of one settle window from now (or from `since.start`, counting
   * only listings after `since.afterSeq`), until it says done or the window has passed.
   */
  watch<T>(watch: Watch<T>, since?: { start: number; afterSeq: number }): Promise<WatchOutcome<T>> {
    return new Promise<WatchOutcome<T>>((resolve, reject) => {
      const start = since?.start ?? this.timing.now();
      const afterSeq = since?.afterSeq ?? this.seq;
      const watcher: Watcher = {
        watch: watch as Watch<unknown>,
        start,
        afterSeq,
        next: 0,
        reported: false,
        settle: (outcome) => {
          this.watchers.delete(watcher);
          resolve(outcome as WatchOutcome<T>);
        },
        fail: (error) => {
          this.watchers.delete(watcher);
          reject(error);
        },
      };
      if (since) {
        const latestAt = this.latest?.requestedAt ?? Number.NEGATIVE_INFINITY;
        this.advance(watcher, latestAt);
        // A whole window of listings already missed the token; conclude from them only if the
        // latest is recent, else ask once more.
        if (this.timing.now() - latestAt > this.windowMs) {
          watcher.next = Math.min(watcher.next, this.offsets.length - 1);
        }
        if (watcher.next >= this.offsets.length) return watcher.settle({ expired: true });
      }
      this.watchers.add(watcher);
      this.joined();
      this.touched();
      this.wake?.abort();
      this.loop ??= this.run().finally(() => {
        this.loop = undefined;
      });
    });
  }

  /** The settle-clock time of the first listing since token `id` was last listed. */
  private firstMissSince(id: string): number {
    const listedAt = this.lastListedAt.get(id);
    return this.listingTimes.find((t) => listedAt === undefined || t > listedAt) ?? this.timing.now();
  }

  private dueAt(watcher: Watcher): number {
    return watcher.start + (this.offsets[watcher.next] ?? Number.POSITIVE_INFINITY);
  }

  /** Moves past every offset at or before `time`. */
  private advance(watcher: Watcher, time: number): void {
    while (watcher.next < this.offsets.length && this.dueAt(watcher) <= time) watcher.next += 1;
  }

  private async run(): Promise<void> {
    while (this.watchers.size > 0) {
      const due = Math.min(...[...this.watchers].map((w) => this.dueAt(w)));
      const wait = due - this.timing.now();
      if (wait > 0) {
        this.reportLongWaits(due, wait);
        this.wake = new AbortController();
        await this.timing.sleep(wait, this.wake.signal).catch(() => undefined);
        this.wake = undefined;
        continue;
      }
      await this.gather();
      await this.listOnce();
    }
  }

  private reportLongWaits(due: number, wait: number): void {
    const now = this.timing.now();
    for (const watcher of this.watchers) {
      if (watcher.reported || this.dueAt(watcher) > due || now - watcher.start + wait < REPORTED_WAIT_MS)
        continue;
      watcher.reported = true;
      this.report(
        `waiting up to ${seconds(watcher.start + this.windowMs - now)} s more for ${watcher.watch.waitingFor}`,
      );
    }
  }

  /** Records the gap since the previous watcher joined, for {@link quietMs}. */
  private joined(): void {
    const now = Date.now();
    if (this.lastJoin > 0) {
      this.recentGaps.push(now - this.lastJoin);
      if (this.recentGaps.length > RECENT_GAPS) this.recentGaps.shift();
    }
    this.lastJoin = now;
  }

  /** Twice the third quartile of the recent gaps between joins, within the bounds above. */
  private quietMs(): number {
    const sorted = [...this.recentGaps].sort((a, b) => a - b);
    const upperQuartile = sorted[Math.floor(sorted.length * 0.75)] ?? 0;
    return Math.min(GATHER_QUIET_MAX_MS, Math.max(GATHER_QUIET_MS, 2 * upperQuartile));
  }

  private touched(): void {
    this.lastActivity = Date.now();
    this.poke?.();
  }

  private dueCount(): number {
    const now = this.timing.now();
    return [...this.watchers].filter((w) => this.dueAt(w) <= now).length;
  }

  /**
   * Waits, in real milliseconds (never on the settle clock), for the callers that are about to
   * need the same listing: see {@link GATHER_QUIET_MS}.
   */
  private async gather(): Promise<void> {
    const started = Date.now();
    const quiet = this.quietMs();
    for (;;) {
      const now = Date.now();
      if (now - started >= GATHER_MAX_MS) break;
      if (this.postsInFlight === 0) {
        if (this.widest > 0 && this.dueCount() >= this.widest) break;
        if (now - this.lastActivity >= quiet) break;
      }
      const wait = Math.max(1, quiet - (now - this.lastActivity));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.poke = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.poke = undefined;
    }
    this.widest = Math.max(this.widest, this.dueCount());
  }

  /** One `GET api`, numbered and remembered. */
  private async request(): Promise<Listing> {
    this.seq += 1;
    const seq = this.seq;
    const requestedAt = this.timing.now();
    const tokens = await this.client.apiTokens.list();
    const listing = { tokens, byId: new Map(tokens.map((t) => [t.id, t])), requestedAt, seq };
    this.remember(listing);
    return listing;
  }

  private async listOnce(): Promise<void> {
    const requestedAt = this.timing.now();
    const seq = this.seq + 1;
    let listing: Listing | undefined;
    let failure: unknown;
    try {
      listing = await this.request();
    } catch (error) {
      failure = error;
    }
    // Every watcher this listing counts for (the request took `seq`) that was due by the time it
    // was sent, including one that joined while it was under way: a token missing since an
    // earlier listing may take it, where a watch joined during it (a POST's lookup) has
    // `afterSeq` = `seq` and may not. So a read that arrives mid-window adds no listing.
    const due = [...this.watchers].filter((w) => w.afterSeq < seq && this.dueAt(w) <= requestedAt);
    // Those that joined during the request (so may not take it) would have shared it had the
    // gather waited for them: the engine was running that many operations at once.
    const missed = [...this.watchers].filter((w) => w.afterSeq === seq).length;
    this.widest = Math.max(this.widest, due.length + missed);
    await Promise.all(due.map((watcher) => this.show(watcher, listing, failure)));
  }

  /**
   * One listing counts for one offset of the window, however late the gather sent it: so a
   * window always takes its six listings (a request count that does not depend on load), and
   * never ends sooner than its offsets say.
   */
  private async show(watcher: Watcher, listing: Listing | undefined, failure: unknown) {
    try {
      const verdict = listing ? await watcher.watch.see(listing) : watcher.watch.failed(failure);
      if (verdict) return watcher.settle(verdict);
    } catch (error) {
      return watcher.fail(error);
    }
    watcher.next += 1;
    if (watcher.next >= this.offsets.length) watcher.settle({ expired: true });
  }

  /**
   * Keeps what a listing showed. Listings may answer out of order (the first one of the
   * process, requested at once, can overlap one of the loop's): the latest is the one requested
   * last, times stay sorted, and a token's last sighting never moves back.
   */
  private remember(listing: Listing): void {
    if (!this.latest || listing.seq > this.latest.seq) this.latest = listing;
    const at = listing.requestedAt;
    let place = this.listingTimes.length;
    while (place > 0 && (this.listingTimes[place - 1] ?? 0) > at) place -= 1;
    this.listingTimes.splice(place, 0, at);
    for (const token of listing.tokens) {
      this.learn(token.id);
      this.lastListedAt.set(token.id, Math.max(this.lastListedAt.get(token.id) ?? at, at));
    }
  }
}
