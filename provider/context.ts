/**
 * Everything one provider operation needs besides its inputs, passed explicitly: the client for
 * the token's account, that account's id, the settle timing, the mints in flight, and where
 * progress goes. One context per set of credentials (see `configured.ts`), so resources with
 * their own `connection` get their own client and account. Tests pass their own settle timing
 * here: a virtual clock that records each wait (`tests/support/provider.ts`), or delays of a
 * few hundred milliseconds where a test needs real time to pass.
 */
import type { UthoClient } from "../sdk/client";
import { ApiTokenProviderError } from "./errors";
import { TokenListings } from "./listings";
import { type SettleTiming, settleSeconds, windowMs } from "./settle";

/** Where progress messages go: the provider host's stderr, which `pulumi up` prints. */
export type Reporter = (message: string) => void;

export const reportToStderr: Reporter = (message) => {
  process.stderr.write(`utho:ApiToken: ${message}\n`);
};

export class ProviderContext {
  /** The account's token listings, shared by every operation of this process. */
  readonly listings: TokenListings;
  private accountIdLookup: Promise<string> | undefined;
  // Mints in flight, by name and scope; see `oneAtATime`.
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    readonly client: UthoClient,
    readonly settle: SettleTiming,
    private readonly reporter: Reporter,
  ) {
    this.listings = new TokenListings(client, settle);
  }

  report(message: string): void {
    this.reporter(message);
  }

  /** The `account/info` user id of the client's key: asked once; a failed lookup is asked again. */
  accountId(): Promise<string> {
    if (!this.accountIdLookup) {
      const lookup = this.client.account.info().then((user) => String(user.id ?? ""));
      lookup.catch(() => {
        if (this.accountIdLookup === lookup) this.accountIdLookup = undefined;
      });
      this.accountIdLookup = lookup;
    }
    return this.accountIdLookup;
  }

  /**
   * Throws unless the key belongs to the account that holds token `id`. A token's id only
   * means something in its account: with another account's key the token is simply not
   * listed, so a refresh would take it for deleted and the next `up` would mint a duplicate.
   */
  async requireAccount(id: string, recorded: string | undefined, operation: string): Promise<void> {
    // State written before the account was recorded has none to compare with.
    if (!recorded) return;
    const current = await this.accountId();
    if (current !== recorded) {
      throw new ApiTokenProviderError(
        `Cannot ${operation} token ${id}: it belongs to Utho account ${recorded}, but the API key in use ` +
          `is for account ${current}. Set utho:apiKey (or UTHO_API_KEY, or the resource's connection.apiKey) ` +
          `to a key of account ${recorded}.`,
      );
    }
  }

  /** Runs `task` after every earlier task with the same key has settled. */
  async oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.inFlight.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(task);
    this.inFlight.set(key, current);
    try {
      return await current;
    } finally {
      if (this.inFlight.get(key) === current) this.inFlight.delete(key);
    }
  }

  /** The settle window, in milliseconds: how far a listing may lag behind a create or a delete. */
  get settleWindowMs(): number {
    return windowMs(this.settle);
  }

  /** The settle window's length, for messages ("within 7.8 s"). */
  get settleSeconds(): string {
    return settleSeconds(this.settle);
  }
}
