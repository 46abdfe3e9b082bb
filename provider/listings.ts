/**
 * The rule: a caller gets the first listing requested after it asked and no sooner than the
 * time it names, and a listing is requested once as many callers are due as the most operations
 * this process ever ran at once, or a gather delay after the first of them came due.
 *
 * Why: Utho has no get-by-id and its create returns no id, so every question (which ids exist,
 * is this token still there, which token did my POST mint) is answered from `GET api`, the whole
 * account; asked once per operation that is O(N²) rows for N tokens. The engine runs at most P
 * operations at once, so the P creates of a wave share one listing, and a listing requested
 * before a POST returned never counts for it. Every wait is on the injected clock (`settle.ts`).
 * Facts kept between listings: the latest one answers "is token X there" (a DELETE of X by this
 * process removes X from it), and every id listed or minted here predates any later POST (Utho
 * never reuses an id), so a create needs no listing of its own before its POST once one exists.
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

/** The ids known at one moment, and so the tokens that predate a POST sent after that moment. */
export interface KnownIds {
  /**
   * True for an id known then, and for any id at or below the greatest id known then: Utho's ids
   * only grow, so a token that first shows up later (a lagging listing, another process's
   * create) with a smaller id was created before that moment and cannot be the POST's.
   */
  predates(id: string): boolean;
}

interface Caller {
  /** When it asked, or the later time it named: it counts from then. */
  dueAt: number;
  resolve(listing: Listing): void;
  reject(error: unknown): void;
}

export class TokenListings {
  private latest: Listing | undefined;
  private firstListing: Promise<Listing> | undefined;
  /** Every id listed or minted so far, numbered in the order it became known (a snapshot costs nothing). */
  private readonly known = new Map<string, number>();
  private greatestKnown = Number.NEGATIVE_INFINITY;
  /** When this process's first listing was requested. */
  private firstAt: number | undefined;
  private waiting: Caller[] = [];
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
    this.running += 1;
    this.mostRunning = Math.max(this.mostRunning, this.running);
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
    return new Promise((resolve, reject) => {
      this.waiting.push({ dueAt: Math.max(now, notBefore), resolve, reject });
      this.schedule();
    });
  }

  /**
   * Token `id` of the state as Utho lists it, or undefined when a listing requested a settle
   * window after this process's first one misses it: the token existed before that (the state
   * holds it), so by then even a lagging list shows it unless it is gone. At most two listings,
   * shared by every token a refresh finds missing.
   */
  async find(id: string, waitingFor: string): Promise<UthoApiToken | undefined> {
    const latest = await this.current();
    const settled = (this.firstAt ?? latest.requestedAt) + this.windowMs;
    if (latest.byId.has(id) || latest.requestedAt >= settled) return latest.byId.get(id);
    return (await this.next(waitingFor, settled)).byId.get(id);
  }

  /** Says a wait until `until` (settle clock) for `waitingFor`, when it is 2 s or more. */
  announce(waitingFor: string, until: number): void {
    const wait = until - this.timing.now();
    if (wait >= REPORTED_WAIT_MS) this.report(`waiting up to ${seconds(wait)} s more for ${waitingFor}`);
  }

  /**
   * The listings at each offset of a settle window from `from`, the window's wait said once: one
   * listing a window later proves an absence by Utho's lag, but a list that lags at random may
   * need the others (an explicitly named create, the sweep after an ambiguous POST).
   */
  async *window(waitingFor: string, from: number): AsyncGenerator<Listing | { failed: unknown }> {
    this.announce(waitingFor, from + this.windowMs);
    let offset = 0;
    for (const at of [0, ...this.timing.delaysMs.map((delay) => (offset += delay))]) {
      yield await this.next(undefined, from + at).catch((failed: unknown) => ({ failed }));
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

  /** Sends a listing for the due callers when the rule says so, else sets the clock for when it will. */
  private schedule(): void {
    const now = this.timing.now();
    const due = this.waiting.filter((caller) => caller.dueAt <= now);
    const firstDue = Math.min(...due.map((caller) => caller.dueAt));
    if (due.length > 0 && (due.length >= this.mostRunning || now >= firstDue + gatherMs(this.timing))) {
      this.waiting = this.waiting.filter((caller) => caller.dueAt > now);
      this.request().then(
        (listing) => {
          for (const caller of due) caller.resolve(listing);
        },
        (error: unknown) => {
          for (const caller of due) caller.reject(error);
        },
      );
    }
    const gatherEnd = this.waiting.some((caller) => caller.dueAt <= now)
      ? firstDue + gatherMs(this.timing)
      : Infinity;
    const wakeAt = Math.min(
      gatherEnd,
      ...this.waiting.map((caller) => caller.dueAt).filter((at) => at > now),
    );
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
    const numeric = Number(id);
    if (numeric > this.greatestKnown) this.greatestKnown = numeric;
  }
}
