/**
 * The listing rule's bounds (provider/listings.ts), on a fake clock that moves only when every
 * simulated request and operation waits on it, against a simulated Utho and a simulated engine
 * running P operations at once. Nothing here depends on the machine's speed: each run is the
 * same every time, so each count is exact, and each is checked against the documented bound.
 */
import { ProviderContext } from "../../provider/context";
import { readToken } from "../../provider/crud";
import { MAX_GATHER_MS } from "../../provider/listings";
import { mintToken } from "../../provider/mint";
import { revokeToken } from "../../provider/revoke";
import { GATHER_MS, type SettleTiming, settleDelays } from "../../provider/settle";
import type { ApiTokenOutputs } from "../../provider/types";
import type { UthoClient } from "../../sdk";
import { UthoNotFoundError } from "../../sdk/errors";
import type { UthoApiToken } from "../../sdk/resources/api-tokens";

const WINDOW_MS = 7_750;

/** A clock whose sleeps resolve only when `run` moves it to their time, earliest first. */
class FakeClock implements SettleTiming {
  readonly delaysMs = settleDelays(WINDOW_MS);
  private time = 0;
  private timers: { at: number; order: number; wake: () => void }[] = [];
  private order = 0;

  now = (): number => this.time;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = { at: this.time + ms, order: this.order++, wake: resolve };
      this.timers.push(timer);
      signal?.addEventListener("abort", () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal.reason);
      });
    });

  /** Runs `work` to its end, moving the clock to the next timer whenever nothing else can run. */
  async run<T>(work: Promise<T>): Promise<T> {
    let finished = false;
    const result = work.finally(() => {
      finished = true;
    });
    result.catch(() => undefined);
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (finished) return result;
      const [next] = [...this.timers].sort((a, b) => a.at - b.at || a.order - b.order);
      if (!next) throw new Error("deadlock: nothing to run and no timer set");
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.at);
      next.wake();
    }
  }
}

interface UthoModel {
  /** Round trip of the n-th listing (from 1), in ms. @default 5 */
  listMs?: (n: number) => number;
  /** Round trip of a POST or DELETE, in ms. @default 5 */
  writeMs?: number;
  /** The n-th listing lags: it leaves out the newest token. */
  lagging?: (n: number) => boolean;
}

/** A Utho on the fake clock: every request takes its round trip; a listing is the snapshot when asked. */
function simulatedUtho(clock: FakeClock, model: UthoModel = {}) {
  const tokens: UthoApiToken[] = [];
  let nextId = 1000;
  let listings = 0;
  const postedAt: number[] = [];
  const after = <T>(ms: number, answer: () => T) => clock.sleep(ms).then(answer);
  const writeMs = model.writeMs ?? 5;
  const apiTokens = {
    list: () => {
      listings += 1;
      const n = listings;
      const snapshot = model.lagging?.(n) ? tokens.slice(0, -1) : [...tokens];
      return after(model.listMs?.(n) ?? 5, () => snapshot);
    },
    create: ({ name, scope }: { name: string; scope: "read" | "write" }) =>
      after(writeMs, () => {
        postedAt.push(clock.now());
        tokens.push({ id: String(nextId), name, scope, createdAt: "2026-12-04 10:00:00" });
        nextId += 1;
        return { token: `secret-${nextId - 1}` };
      }),
    delete: (id: string) =>
      after(writeMs, () => {
        const at = tokens.findIndex((t) => t.id === id);
        if (at === -1)
          throw new UthoNotFoundError({ method: "DELETE", path: `api/${id}/delete` }, 404, undefined);
        tokens.splice(at, 1);
      }),
  };
  const account = { info: () => after(writeMs, () => ({ id: "41250" })) };
  const client = { apiTokens, account } as unknown as UthoClient;
  return { client, tokens, listings: () => listings, postedAt };
}

type Engine = (
  clock: FakeClock,
  parallelism: number,
  count: number,
  operation: (i: number) => Promise<unknown>,
) => Promise<void>;

/**
 * The engine: `parallelism` slots, each running operations one after the other; before the
 * i-th operation its slot spends `gapMs(i)` on the engine's own work, each slot on its own.
 */
const spaced =
  (gapMs: (i: number) => number = () => 0): Engine =>
  async (clock, parallelism, count, operation) => {
    let next = 0;
    const slot = async () => {
      while (next < count) {
        const i = next++;
        const gap = gapMs(i);
        if (gap > 0) await clock.sleep(gap);
        await operation(i);
      }
    };
    await Promise.all(Array.from({ length: parallelism }, slot));
  };

/**
 * The engine at large N, as it runs at N = 1,000: it writes the whole state before and after
 * each operation, one write at a time, each `msPerResource` per resource begun so far. So the
 * creates of a wave reach the provider a write apart, later in the run far more than a gather.
 */
const writing =
  (msPerResource: number): Engine =>
  async (clock, parallelism, count, operation) => {
    let writes = Promise.resolve();
    let begun = 0;
    const write = () => {
      const writeMs = msPerResource * begun;
      writes = writes.then(() => clock.sleep(writeMs));
      return writes;
    };
    await spaced()(clock, parallelism, count, async (i) => {
      begun += 1;
      await write();
      await operation(i);
      await write();
    });
  };

/** How long `engine` takes when every operation answers at once: the floor. */
async function floorMs(engine: Engine, parallelism: number, count: number): Promise<number> {
  const clock = new FakeClock();
  await clock.run(engine(clock, parallelism, count, async () => undefined));
  return clock.now();
}

/** `up` of `count` auto-named tokens at `parallelism`: the listings it took, and how long. */
async function up(parallelism: number, count: number, model: UthoModel = {}, engine: Engine = spaced()) {
  const clock = new FakeClock();
  const utho = simulatedUtho(clock, model);
  const ctx = new ProviderContext(utho.client, clock, () => undefined);
  const minted: string[] = [];
  await clock.run(
    engine(clock, parallelism, count, (i) =>
      ctx.listings.operation(async () => {
        const token = await mintToken(ctx, {
          name: `t-${i}-0123456789abcdef`,
          scope: "read",
          autoNamed: true,
        });
        minted.push(token.id);
      }),
    ),
  );
  // Every create found its own token.
  expect(new Set(minted).size).toBe(count);
  expect(utho.tokens.map((t) => t.id).sort()).toEqual([...minted].sort());
  return { listings: utho.listings(), elapsedMs: clock.now(), postedAt: utho.postedAt };
}

const waves = (n: number, p: number) => Math.ceil(n / p);
const typical = (n: number, p: number) => waves(n, p) + 1;
const bound = (n: number, p: number) => 2 * waves(n, p) + 1;

/** A seeded generator, so a "random" arrival order is the same in every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("up of N tokens at parallelism P", () => {
  it.each([
    [100, 8],
    [50, 16],
    [20, 1],
  ])("one wave after another (N = %i, P = %i): one listing per wave, plus the first", async (n, p) => {
    expect((await up(p, n)).listings).toBe(typical(n, p));
  });

  it("with 50 ms of latency on every request, the same", async () => {
    const { listings } = await up(8, 100, { listMs: () => 50, writeMs: 50 });
    expect(listings).toBe(typical(100, 8));
  });

  it.each([0.5, 1.5])(
    "with the engine's own work between operations random, up to %f gathers: within the bound",
    async (gathers) => {
      const random = seeded(7);
      const { listings } = await up(
        8,
        100,
        {},
        spaced(() => random() * GATHER_MS * gathers),
      );
      expect(listings).toBeLessThanOrEqual(bound(100, 8));
    },
  );

  it("with the engine's own work random and far longer than a gather (up to 4), each slot on its own: still shared", async () => {
    // Slots that wait for nothing in common come at random, not in waves: a gather that waits
    // for a wave then catches the operations of a few slots, not all eight.
    const random = seeded(7);
    const { listings } = await up(
      8,
      100,
      {},
      spaced(() => random() * GATHER_MS * 4),
    );
    expect(listings).toBeLessThanOrEqual(100 / 2);
  });

  it("with stragglers (one operation of each wave late by more than a gather): within the bound", async () => {
    const { listings } = await up(
      8,
      100,
      {},
      spaced((i) => (i % 8 === 7 ? 3 * GATHER_MS : 0)),
    );
    expect(listings).toBeGreaterThan(typical(100, 8));
    expect(listings).toBeLessThanOrEqual(bound(100, 8));
  });

  it("with a slow first listing (2 s): the typical count", async () => {
    const { listings } = await up(8, 100, { listMs: (n) => (n === 1 ? 2_000 : 5) });
    expect(listings).toBe(typical(100, 8));
  });

  it("with a lagging listing that leaves out the newest token: within the bound", async () => {
    const { listings } = await up(8, 100, { lagging: (n) => n === 5 });
    expect(listings).toBeLessThanOrEqual(bound(100, 8));
  });

  describe("N = 1,000, the engine writing the whole state between steps", () => {
    /** The median spacing of the last 100 POSTs: how far apart the last waves' creates came. */
    const lateSpacing = (postedAt: number[]) => {
      const late = postedAt.slice(-101);
      const gaps = late.slice(1).map((at, i) => at - (late[i] ?? at));
      return gaps.sort((a, b) => a - b)[gaps.length >> 1] ?? 0;
    };

    it.each([0.1, 0.2])(
      "writes of %f ms a resource, a wave's creates up to 7 writes apart: one listing per wave, costing the engine < 2 %%",
      async (msPerResource) => {
        const { listings, elapsedMs, postedAt } = await up(8, 1000, {}, writing(msPerResource));
        // The last waves' creates came a write apart: about 100 and 200 ms (a gather is 150).
        expect(lateSpacing(postedAt)).toBeGreaterThan(0.9 * msPerResource * 1000);
        expect(listings).toBe(typical(1000, 8));
        expect(elapsedMs).toBeLessThan(1.02 * (await floorMs(writing(msPerResource), 8, 1000)));
      },
    );

    it("writes so slow (0.4 ms a resource) that the last waves outlast the longest gather: within the bound", async () => {
      const { listings, postedAt } = await up(8, 1000, {}, writing(0.4));
      expect(lateSpacing(postedAt)).toBeGreaterThan(MAX_GATHER_MS / 8);
      expect(listings).toBeLessThanOrEqual(bound(1000, 8));
    });

    it("at parallelism 16, and 1,001 creates (a last wave of one): within the bound", async () => {
      expect((await up(16, 1000, {}, writing(0.2))).listings).toBeLessThanOrEqual(bound(1000, 16));
      expect((await up(8, 1001, {}, writing(0.2))).listings).toBe(typical(1001, 8));
    });

    it("each slot on its own, its work random up to 4 gathers: within the bound", async () => {
      const random = seeded(7);
      const { listings } = await up(
        8,
        1000,
        {},
        spaced(() => random() * GATHER_MS * 4),
      );
      expect(listings).toBeLessThanOrEqual(bound(1000, 8));
    });
  });

  it("an explicitly named wave waits one settle window, shared by the wave", async () => {
    const clock = new FakeClock();
    const utho = simulatedUtho(clock);
    const ctx = new ProviderContext(utho.client, clock, () => undefined);
    const create = (i: number) =>
      ctx.listings.operation(() => mintToken(ctx, { name: `shared-${i}`, scope: "read" }));
    await clock.run(spaced()(clock, 8, 16, create));
    // The first listing, then one at each of the window's six offsets from each wave's POSTs.
    expect(utho.listings()).toBe(1 + 6 * waves(16, 8));
    // Two waves, each a POST, a window and a listing: never a window per create.
    expect(clock.now()).toBeLessThan(2 * (WINDOW_MS + GATHER_MS + 200));
  });
});

describe("refresh, delete and destroy", () => {
  /** A Utho holding `count` tokens made before the run, and their outputs as the state holds them. */
  function account(clock: FakeClock, count: number, model?: UthoModel) {
    const utho = simulatedUtho(clock, model);
    for (let i = 0; i < count; i++) {
      utho.tokens.push({
        id: String(500 + i),
        name: `t-${i}`,
        scope: "read",
        createdAt: "2026-12-01 10:00:00",
      });
    }
    const state = utho.tokens.map(
      (t) =>
        [t.id, { name: t.name, scope: t.scope, createdAt: t.createdAt, accountId: "41250" }] as [
          string,
          ApiTokenOutputs,
        ],
    );
    return { utho, state, ctx: new ProviderContext(utho.client, clock, () => undefined) };
  }

  it("refresh with nothing missing takes one listing", async () => {
    const clock = new FakeClock();
    const { utho, state, ctx } = account(clock, 100);
    const read = (i: number) => {
      const [id, props] = state[i] as [string, ApiTokenOutputs];
      return ctx.listings.operation(() => readToken(ctx, id, props));
    };
    await clock.run(spaced()(clock, 8, 100, read));
    expect(utho.listings()).toBe(1);
  });

  it("refresh with tokens deleted out of band takes two listings, the second a window after the first", async () => {
    const clock = new FakeClock();
    const { utho, state, ctx } = account(clock, 100);
    utho.tokens.splice(0, utho.tokens.length, ...utho.tokens.filter((_, i) => i % 10 !== 3));
    const ids: string[] = [];
    const read = (i: number) => {
      const [id, props] = state[i] as [string, ApiTokenOutputs];
      return ctx.listings.operation(async () => ids.push((await readToken(ctx, id, props)).id));
    };
    await clock.run(spaced()(clock, 8, 100, read));
    expect(ids.filter((id) => id === "")).toHaveLength(10);
    expect(utho.listings()).toBe(2);
  });

  it("a refresh does not take a lagging first listing for a deletion", async () => {
    const clock = new FakeClock();
    const { utho, state, ctx } = account(clock, 3, { lagging: (n) => n === 1 });
    const [id, props] = state[2] as [string, ApiTokenOutputs];
    expect((await clock.run(readToken(ctx, id, props))).id).toBe(id);
    expect(utho.listings()).toBe(2);
  });

  it("a delete's 404 is confirmed by at most two listings, however the list lags", async () => {
    const clock = new FakeClock();
    const { utho, state, ctx } = account(clock, 3);
    const [id] = state[2] as [string, ApiTokenOutputs];
    // Deleted elsewhere, so the DELETE answers 404; the first listing after it lags and still shows it.
    const ghost = utho.tokens.pop() as UthoApiToken;
    const list = utho.client.apiTokens.list.bind(utho.client.apiTokens);
    utho.client.apiTokens.list = () =>
      list().then((tokens) => (utho.listings() === 1 ? [...tokens, ghost] : tokens));
    await clock.run(revokeToken(ctx, id, undefined));
    expect(utho.listings()).toBe(2);
  });

  it("destroy takes no listing", async () => {
    const clock = new FakeClock();
    const { utho, state, ctx } = account(clock, 100);
    const remove = (i: number) => {
      const [id] = state[i] as [string, ApiTokenOutputs];
      return ctx.listings.operation(() => revokeToken(ctx, id, "41250"));
    };
    await clock.run(spaced()(clock, 8, 100, remove));
    expect(utho.tokens).toEqual([]);
    expect(utho.listings()).toBe(0);
  });
});
