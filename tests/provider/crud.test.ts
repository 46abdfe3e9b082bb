/**
 * The resource's operations against a real emulator, each given a provider context with the
 * production settle window's shape and waits that take no time.
 */
import { inspect } from "node:util";
import { startEmulator } from "../../emulator";
import { ProviderContext } from "../../provider/context";
import { createToken, deleteToken, readToken, updateToken } from "../../provider/crud";
import { fingerprintOf } from "../../provider/fingerprint";
import { realSettle } from "../../provider/settle";
import type { ApiTokenInputs, ApiTokenOutputs } from "../../provider/types";
import { authenticates as authenticatesTo, clientFor, requestLog, useEmulator } from "../support/emulator";
import { contextAround, type TestProvider, testProvider } from "../support/provider";

const emulator = useEmulator({ retryAfterSeconds: 0 });
let t: TestProvider;
beforeEach(() => {
  t = testProvider(emulator.current);
});

const inputs: ApiTokenInputs = { name: "ci-deployer", scope: "write" };
// An absence takes two listings: the one that missed the token, and one a settle window later.
const ABSENCE_LISTINGS = 2;

/** A revocation that failed on Utho's 500s: the error names the token and keeps the cause. */
const revocationFailed = {
  message: expect.stringMatching(/^Revoking token \d+ failed \(.*HTTP 500/),
  cause: { status: 500 },
};
const authenticates = (secret: string | undefined) => authenticatesTo(emulator.current, secret);
const create = (i: ApiTokenInputs) => createToken(t.context(), i);

describe("create", () => {
  it("mints a token and returns its id, secret and metadata", async () => {
    const { id, outs } = await create(inputs);
    expect(emulator.current.listTokens()).toEqual([
      { id, name: "ci-deployer", scope: "write", createdAt: outs.createdAt },
    ]);
    expect(outs).toEqual({
      accountId: "41250",
      name: "ci-deployer",
      scope: "write",
      fingerprint: fingerprintOf(outs.token as string),
      createdAt: expect.stringMatching(/^\d{4}-/),
      tokenId: id,
      rotatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      token: expect.any(String),
    });
    expect(await authenticates(outs.token)).toBe(true);
  });

  it("keeps auto-naming facts in the outputs", async () => {
    const { outs } = await create({ ...inputs, namePrefix: "ci", autoNamed: true });
    expect(outs).toMatchObject({ namePrefix: "ci", autoNamed: true });
  });
});

describe("read (refresh)", () => {
  // A refresh is a later run: a provider process of its own, with no listing yet.
  let later: TestProvider;
  beforeEach(() => {
    later = testProvider(emulator.current);
  });
  const refresh = (id: string, props: Parameters<typeof readToken>[2]) =>
    readToken(later.context(), id, props);

  it("carries the secret over and refreshes what Utho reports", async () => {
    const { id, outs } = await create(inputs);
    const read = await refresh(id, { ...outs, createdAt: "stale" });
    expect(read).toEqual({ id, props: outs });
  });

  it("answers every token of a refresh from one listing", async () => {
    const created = [];
    for (const name of ["a", "b", "c", "d", "e"]) created.push(await create({ name, scope: "read" }));
    emulator.current.resetRequests();
    const reads = await Promise.all(created.map(({ id, outs }) => refresh(id, outs)));
    expect(reads.map((r) => r.id)).toEqual(created.map((c) => c.id));
    // One listing for all five; a token this key lists needs no account check.
    expect(requestLog(emulator.current)).toEqual(["GET /v2/api 200"]);
  });

  it("lets a read that comes while the first listing is under way ride on it (single flight)", async () => {
    const slow = await startEmulator({ latencyMs: 300 });
    try {
      // Set up out of band: minting explicitly named tokens waits out a window of slow listings.
      const [a, b] = ["a", "b"].map((name) => {
        const { id } = slow.createTokenOutOfBand(name, "read");
        const listed = slow.listTokens().find((t) => t.id === id);
        return { id, outs: { name, scope: "read" as const, createdAt: listed?.createdAt ?? "" } };
      }) as [{ id: string; outs: ApiTokenOutputs }, { id: string; outs: ApiTokenOutputs }];
      const run = testProvider(slow);
      slow.resetRequests();
      const first = readToken(run.context(), a.id, a.outs);
      // Well after the first read asked, well before its listing (300 ms) can answer.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = readToken(run.context(), b.id, b.outs);
      expect((await Promise.all([first, second])).map((r) => r.id)).toEqual([a.id, b.id]);
      expect(requestLog(slow)).toEqual(["GET /v2/api 200"]);
    } finally {
      await slow.close();
    }
  });

  it("reports a token deleted out of band as gone (empty id), after the settle window", async () => {
    const { id, outs } = await create(inputs);
    emulator.current.deleteTokenOutOfBand(id);
    emulator.current.resetRequests();
    expect((await refresh(id, outs)).id).toBe("");
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(ABSENCE_LISTINGS);
    // The production window, waited out once and said aloud.
    expect(later.settle.waits).toEqual([7750]);
    expect(later.reports).toEqual([
      `waiting up to 7.8 s more for Utho's token list to show token ${id}, which it no longer lists`,
    ]);
  });

  /**
   * A later run's context on the real clock, with a short window and a gather long enough for
   * every read: the engine's reads, counted, so a listing goes out once all of them wait.
   */
  const realTimeRun = (client = clientFor(emulator.current)) => {
    const context = new ProviderContext(client, { ...realSettle(300), gatherMs: 1_000 }, () => undefined);
    return (id: string, props: ApiTokenOutputs) =>
      context.listings.operation(() => readToken(context, id, props));
  };

  it("shares one settle window among every token found missing", async () => {
    const created = [];
    for (const name of ["a", "b", "c", "d", "e", "f"]) created.push(await create({ name, scope: "read" }));
    for (const { id } of created.slice(0, 3)) emulator.current.deleteTokenOutOfBand(id);
    emulator.current.resetRequests();
    const read = realTimeRun();
    const reads = await Promise.all(created.map(({ id, outs }) => read(id, outs)));
    expect(reads.map((r) => r.id)).toEqual(["", "", "", ...created.slice(3).map((c) => c.id)]);
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(ABSENCE_LISTINGS);
  });

  /** A later run's context whose every listing first calls `onList` with its number (from 1). */
  const hookedListings = (onList: (n: number, run: ReturnType<typeof contextAround>) => void) => {
    const client = clientFor(emulator.current);
    const list = client.apiTokens.list.bind(client.apiTokens);
    const run = contextAround(client);
    let listings = 0;
    client.apiTokens.list = () => {
      listings += 1;
      onList(listings, run);
      return list();
    };
    return { context: run.context, listings: () => listings };
  };

  it("shares the second listing with a missing token whose read comes while the first is under way", async () => {
    const [a, b] = [await create({ name: "a", scope: "read" }), await create({ name: "b", scope: "read" })];
    for (const { id } of [a, b]) emulator.current.deleteTokenOutOfBand(id);
    const client = clientFor(emulator.current);
    const list = client.apiTokens.list.bind(client.apiTokens);
    const read = realTimeRun(client);
    let lateRead: Promise<{ id: string }> | undefined;
    let listings = 0;
    client.apiTokens.list = () => {
      // The engine sends the second read just as the first listing goes out.
      if (++listings === 1)
        queueMicrotask(() => {
          lateRead = read(b.id, b.outs);
        });
      return list();
    };
    expect((await read(a.id, a.outs)).id).toBe("");
    expect((await lateRead)?.id).toBe("");
    expect(listings).toBe(ABSENCE_LISTINGS);
  });

  it("takes two listings however late each one goes out", async () => {
    const { id, outs } = await create(inputs);
    emulator.current.deleteTokenOutOfBand(id);
    // Each listing answers 10 s later on the settle clock (a loaded machine, a slow Utho), more
    // than a window.
    const run = hookedListings((_n, { settle }) => settle.advance(10_000));
    expect((await readToken(run.context, id, outs)).id).toBe("");
    expect(run.listings()).toBe(ABSENCE_LISTINGS);
  });

  it("concludes at once for a token that a listing a window after the first missed", async () => {
    const created = [];
    for (const name of ["a", "b"]) created.push(await create({ name, scope: "read" }));
    for (const { id } of created) emulator.current.deleteTokenOutOfBand(id);
    const [first, second] = created as [(typeof created)[0], (typeof created)[0]];
    emulator.current.resetRequests();
    expect((await refresh(first.id, first.outs)).id).toBe("");
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(ABSENCE_LISTINGS);
    // The latest listing, a window after the first, missed the second token too.
    expect((await refresh(second.id, second.outs)).id).toBe("");
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(ABSENCE_LISTINGS);
    // And stays conclusive: both tokens existed before the first listing.
    later.settle.advance(10_000);
    expect((await refresh(second.id, second.outs)).id).toBe("");
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(ABSENCE_LISTINGS);
  });

  it("does not take a lagging list for a deletion", async () => {
    const { id, outs } = await create(inputs);
    // The first listing lags; the one a settle window later is current.
    emulator.current.injectFault({ kind: "stale-list", method: "GET" });
    expect(await refresh(id, outs)).toEqual({ id, props: outs });
  });

  it("treats a 401 as an error, never as a deletion", async () => {
    const { id, outs } = await create(inputs);
    const wrongKey = testProvider(emulator.current, { apiKey: "revoked-or-wrong-key" });
    await expect(readToken(wrongKey.context(), id, outs)).rejects.toMatchObject({
      code: "UTHO_AUTH",
      status: 401,
    });
  });

  it("treats a persistent 5xx as an error, never as a deletion", async () => {
    const { id, outs } = await create(inputs);
    emulator.current.injectFault({ kind: "503", method: "GET", times: Number.POSITIVE_INFINITY });
    await expect(refresh(id, outs)).rejects.toMatchObject({ status: 503 });
  });

  it("within one run, answers from the listing a create already made", async () => {
    const { id, outs } = await create(inputs);
    emulator.current.resetRequests();
    expect(await readToken(t.context(), id, outs)).toEqual({ id, props: outs });
    expect(emulator.current.requests).toEqual([]);
  });
});

describe("another account's key", () => {
  it("makes refresh and delete fail instead of dropping or orphaning the token", async () => {
    const { id, outs } = await create(inputs);
    const other = await startEmulator({ accountId: "99999" });
    try {
      const otherAccount = testProvider(other).context();
      const expected = `token ${id}: it belongs to Utho account 41250, but the API key in use is for account 99999`;
      await expect(readToken(otherAccount, id, outs)).rejects.toThrow(`Cannot refresh ${expected}`);
      await expect(deleteToken(otherAccount, id, outs)).rejects.toThrow(`Cannot delete ${expected}`);
      // The refresh's one listing misses the token; the account check then refuses before any
      // settle window could take it for deleted.
      expect(other.countRequests("GET", "/v2/api")).toBe(1);
      expect(emulator.current.listTokens()).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe("delete", () => {
  it("revokes the token", async () => {
    const { id, outs } = await create(inputs);
    await deleteToken(t.context(), id, outs);
    expect(emulator.current.listTokens()).toEqual([]);
    expect(await authenticates(outs.token)).toBe(false);
  });

  it("counts an already deleted token as deleted", async () => {
    const { id, outs } = await create(inputs);
    emulator.current.deleteTokenOutOfBand(id);
    await expect(deleteToken(t.context(), id, outs)).resolves.toBeUndefined();
  });

  it("counts a 404 as deleted when a list lagging behind the delete still shows the token a while", async () => {
    const { id, outs } = await create(inputs);
    await create({ name: "newer", scope: "read" });
    emulator.current.deleteTokenOutOfBand(id);
    // The next listing still shows the deleted token, as a replica behind the delete would; the
    // one a settle window after the 404 is current.
    emulator.current.injectFault({ kind: "stale-list", method: "GET" });
    emulator.current.resetRequests();
    await expect(deleteToken(t.context(), id, outs)).resolves.toBeUndefined();
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(2);
  });

  it("does not count a 404 as deleted when the token is still listed a whole settle window later", async () => {
    const { id, outs } = await create(inputs);
    await create({ name: "newer", scope: "read" });
    emulator.current.deleteTokenOutOfBand(id);
    emulator.current.injectFault({ kind: "stale-list", method: "GET", times: Number.POSITIVE_INFINITY });
    await expect(deleteToken(t.context(), id, outs)).rejects.toThrow(
      `Deleting token ${id} returned 404, yet Utho still listed the token 7.8 s later`,
    );
  });

  it("does not count a 404 as deleted when the token is still listed (a wrong base URL)", async () => {
    const { id, outs } = await create(inputs);
    // Every path under this prefix is unknown to the emulator, so it answers 404 to all of them.
    const wrongUrl = testProvider(emulator.current, { baseUrl: `${emulator.current.baseUrl}/wrong` });
    await expect(deleteToken(wrongUrl.context(), id, outs)).rejects.toMatchObject({ code: "UTHO_NOT_FOUND" });
    expect(emulator.current.listTokens()).toHaveLength(1);
  });

  it("throws when Utho keeps failing, so the token stays in state", async () => {
    const { id, outs } = await create(inputs);
    emulator.current.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
    await expect(deleteToken(t.context(), id, outs)).rejects.toMatchObject(revocationFailed);
    expect(emulator.current.listTokens()).toHaveLength(1);
  });
});

describe("adopt", () => {
  it("adopts a hand-made token by id without minting, verifying its secret", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "read");
    const { id, outs } = await create({
      name: "hand-made",
      scope: "read",
      adopt: { id: made.id, token: made.secret },
    });
    expect(id).toBe(made.id);
    expect(outs).toMatchObject({ name: "hand-made", scope: "read", token: made.secret });
    expect(emulator.current.countRequests("POST")).toBe(0);
    expect(emulator.current.listTokens()).toHaveLength(1);
  });

  it("adopts by name when exactly one token has it", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "write");
    const { id, outs } = await create({ name: "hand-made", scope: "write", adopt: {} });
    expect(id).toBe(made.id);
    expect(outs.token).toBeUndefined();
  });

  const failures: [string, () => ApiTokenInputs, RegExp][] = [
    [
      "an unknown id",
      () => ({ name: "x", scope: "read", adopt: { id: "424242" } }),
      /^adopt\.id: no Utho token has id 424242$/,
    ],
    [
      "an unknown name",
      () => ({ name: "nobody", scope: "read", adopt: {} }),
      /^adopt: no Utho token is named "nobody"$/,
    ],
    [
      "an ambiguous name",
      () => {
        emulator.current.createTokenOutOfBand("twin", "read");
        emulator.current.createTokenOutOfBand("twin", "read");
        return { name: "twin", scope: "read", adopt: {} };
      },
      /^adopt: 2 Utho tokens are named "twin" \(ids \d+, \d+\); set adopt\.id to choose one$/,
    ],
    [
      "a scope mismatch",
      () => ({
        name: "m",
        scope: "write",
        adopt: { id: emulator.current.createTokenOutOfBand("m", "read").id },
      }),
      /^scope: token \d+ has scope "read", not "write"/,
    ],
    [
      "a name mismatch",
      () => ({
        name: "other",
        scope: "read",
        adopt: { id: emulator.current.createTokenOutOfBand("m", "read").id },
      }),
      /^name: token \d+ is named "m", not "other"/,
    ],
  ];

  it.each(failures)("refuses %s, naming the property", async (_label, make, message) => {
    await expect(create(make())).rejects.toThrow(message);
    expect(emulator.current.countRequests("POST")).toBe(0);
  });

  it("refuses a secret that does not authenticate, without echoing it", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "read");
    const wrong = "wrong-secret-0123456789-ABCDEFGHIJKLMNOP-qrstuvwxyz";
    const error = await create({
      name: "hand-made",
      scope: "read",
      adopt: { id: made.id, token: wrong },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^adopt\.token: the supplied secret does not authenticate/);
    expect(inspect(error, { depth: 10 })).not.toContain(wrong);
  });

  it("refuses the provider's own API key as the adopted token's secret", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "read");
    await expect(
      create({
        name: "hand-made",
        scope: "read",
        adopt: { id: made.id, token: emulator.current.rootKey },
      }),
    ).rejects.toThrow("adopt.token: this is the provider's own API key, not the adopted token's secret");
  });

  it("update takes a secret supplied later, verified, and returns every output", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "read");
    const { id, outs } = await create({
      name: "hand-made",
      scope: "read",
      adopt: { id: made.id },
    });
    const updated = await updateToken(t.context(), id, outs, {
      name: "hand-made",
      scope: "read",
      adopt: { id: made.id, token: made.secret },
    });
    expect(updated.outs).toEqual({ ...outs, token: made.secret, fingerprint: fingerprintOf(made.secret) });
  });
});

describe("a resource's own connection (several Utho accounts in one program)", () => {
  let other: Awaited<ReturnType<typeof startEmulator>>;
  beforeEach(async () => {
    other = await startEmulator({ accountId: "77777" });
  });
  afterEach(() => other.close());

  const inOther = (): ApiTokenInputs => ({
    ...inputs,
    connection: { apiKey: other.rootKey, baseUrl: other.baseUrl },
  });
  const contextOf = (i: ApiTokenInputs) => t.provider.contextFor(i.connection);

  it("creates, refreshes and deletes the token in its own account, not the provider's", async () => {
    const { id, outs } = await createToken(contextOf(inOther()), inOther());
    expect(outs).toMatchObject({ accountId: "77777", connection: inOther().connection });
    expect(other.listTokens().map((token) => token.id)).toEqual([id]);
    expect(emulator.current.listTokens()).toEqual([]);

    expect(await readToken(t.provider.contextFor(outs.connection), id, outs)).toEqual({ id, props: outs });
    await deleteToken(t.provider.contextFor(outs.connection), id, outs);
    expect(other.listTokens()).toEqual([]);
    expect(emulator.current.countRequests()).toBe(0);
  });

  it("takes only what it sets from the connection: a base URL alone keeps the provider's key", async () => {
    const sameKey = testProvider(other, { apiKey: emulator.current.rootKey }).provider;
    const context = sameKey.contextFor({ baseUrl: emulator.current.baseUrl });
    const { id } = await createToken(context, inputs);
    expect(emulator.current.listTokens().map((token) => token.id)).toEqual([id]);
  });

  it("updates to another key of the same account in place", async () => {
    const { id, outs } = await createToken(contextOf(inOther()), inOther());
    const secondKey = other.createTokenOutOfBand("second-admin-key", "write").secret;
    const news = { ...inputs, connection: { apiKey: secondKey, baseUrl: other.baseUrl } };
    const updated = await updateToken(contextOf(news), id, outs, news);
    expect(updated.outs).toEqual({ ...outs, connection: news.connection });
    expect(other.listTokens().map((token) => token.id)).toContain(id);
  });

  it("refuses an update to credentials of another account, naming the connection", async () => {
    const { id, outs } = await createToken(contextOf(inOther()), inOther());
    await expect(updateToken(t.context(), id, outs, inputs)).rejects.toThrow(
      `connection: the new credentials are for Utho account 41250, but token ${id} lives in account 77777`,
    );
  });
});
