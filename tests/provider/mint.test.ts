import { startEmulator } from "../../emulator";
import { ProviderContext } from "../../provider/context";
import { type MintedToken, mintToken } from "../../provider/mint";
import { realSettle } from "../../provider/settle";
import type { UthoClient } from "../../sdk";
import { authenticates as authenticatesTo, clientFor, requestLog, useEmulator } from "../support/emulator";
import { contextAround } from "../support/provider";

const emulator = useEmulator({ retryAfterSeconds: 0 });
/** Mints through a context around `client`, with the real window's shape and no waits. */
const mint = (
  client: UthoClient = clientFor(emulator.current),
  w: typeof wanted | typeof autoNamed = wanted,
) => mintToken(contextAround(client).context, w);
const wanted = { name: "ci-deployer", scope: "write" as const };
/** An auto-generated name: a new token with it can only be this resource's. */
const autoNamed = { name: "ci-deployer-1a2b3c4d", scope: "write" as const, autoNamed: true };

const authenticates = (secret: string | undefined) => authenticatesTo(emulator.current, secret);

describe("mintToken", () => {
  it("finds the new token's id, excluding tokens that already had the name", async () => {
    const older = emulator.current.createTokenOutOfBand("ci-deployer", "write");
    const minted = await mint();
    expect(minted.id).not.toBe(older.id);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([older.id, minted.id]);
    // An explicit name may be another stack's: the one candidate is taken from the last of the
    // six listings of a settle window, which must show the new token.
    expect(requestLog(emulator.current)).toEqual([
      "GET /v2/api 200",
      "POST /v2/api/generate 200",
      ...Array(6).fill("GET /v2/api 200"),
    ]);
    expect(await authenticates(minted.token)).toBe(true);
  });

  it("waits for a list that does not show the new token yet", async () => {
    // The first listing, and the first one after the POST, lag; the one a window later shows it.
    emulator.current.injectFault({ kind: "stale-list", method: "GET", times: 2 });
    const minted = await mint(clientFor(emulator.current), autoNamed);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(3);
  });

  it("after a lost response, revokes the auto-named token whose secret it never saw, then mints again", async () => {
    emulator.current.injectFault({ kind: "lost-response", method: "POST" });
    const { context, reports } = contextAround(clientFor(emulator.current));
    const minted = await mintToken(context, autoNamed);
    // Only the second attempt's token is left.
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    // The first POST, the whole settle window of listings (six, the first followed by the
    // revocation), then the second POST and its lookup.
    expect(requestLog(emulator.current)).toEqual([
      "GET /v2/api 200",
      "POST /v2/api/generate reset",
      "GET /v2/api 200",
      expect.stringMatching(/^DELETE \/v2\/api\/\d+\/delete 200$/),
      ...Array(5).fill("GET /v2/api 200"),
      "POST /v2/api/generate 200",
      "GET /v2/api 200",
    ]);
    expect(reports).toEqual([
      `waiting up to 7.8 s more for Utho's token list to show whether the failed create of "ci-deployer-1a2b3c4d" minted a token`,
      expect.stringMatching(
        /^Creating token "ci-deployer-1a2b3c4d" failed \(.*connection lost.*\); Utho had minted it anyway \(id \d+\); that token was revoked; trying again \(attempt 2 of 3\)$/,
      ),
    ]);
    // And the secret is that token's own.
    expect(await authenticates(minted.token)).toBe(true);
  });

  it("after a lost response, leaves a token with an explicit name alone and fails naming it", async () => {
    // Another stack in the account may use the same name: the token cannot be proven this run's.
    emulator.current.injectFault({ kind: "lost-response", method: "POST" });
    const error = await mint().catch((e: unknown) => e);
    const [left] = emulator.current.listTokens();
    expect((error as Error).message).toBe(
      `Creating token "ci-deployer" failed (Utho API POST api/generate: connection lost before a response (ECONNRESET)), ` +
        `and then a new token with that name and scope appeared (id ${left?.id}). It may be the one this run asked ` +
        "for, or another stack's that uses the same name, so it was left alone: check with `utho-tokens audit " +
        "--stack <each stack>`, revoke it if no stack manages it, and run again.",
    );
    expect(emulator.current.listTokens()).toHaveLength(1);
    expect(emulator.current.countRequests("DELETE")).toBe(0);
    expect(emulator.current.countRequests("POST")).toBe(1);
  });

  it("finds a lost POST's token even when the list lags, and pairs the retry's secret with the retry's token", async () => {
    emulator.current.injectFault({ kind: "lost-response", method: "POST" });
    const utho = clientFor(emulator.current);
    const create = utho.apiTokens.create.bind(utho.apiTokens);
    utho.apiTokens.create = async (params) => {
      const result = await create(params);
      // The retry's first lookup lags: it shows the revoked stray (the latest delete), not the new token.
      emulator.current.injectFault({ kind: "stale-list", method: "GET" });
      return result;
    };
    const minted = await mint(utho, autoNamed);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    expect(await authenticates(minted.token)).toBe(true);
    expect(emulator.current.countRequests("POST")).toBe(2);
  });

  it("after a 500 that minted nothing, watches the list for the settle window, then mints again", async () => {
    emulator.current.injectFault({ kind: "500", method: "POST" });
    const minted = await mint();
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    expect(emulator.current.countRequests("POST")).toBe(2);
  });

  it("gives up after three failed POSTs, leaving nothing behind", async () => {
    emulator.current.injectFault({ kind: "503", method: "POST", times: 3 });
    await expect(mint()).rejects.toThrow(
      /^Creating token "ci-deployer" failed \(.*HTTP 503.*\); no token of that name appeared within 7\.8 s\. Run again\.$/,
    );
    expect(emulator.current.listTokens()).toEqual([]);
    expect(emulator.current.countRequests("POST")).toBe(3);
  });

  it("persists through failed lists after the POST, so the minted token is not orphaned", async () => {
    const utho = clientFor(emulator.current);
    const create = utho.apiTokens.create.bind(utho.apiTokens);
    utho.apiTokens.create = async (params) => {
      const result = await create(params);
      // Utho answers the next two listings with 200 {"status":"error"}, which the SDK does not retry.
      emulator.current.injectFault({ kind: "status-error", method: "GET", times: 2 });
      return result;
    };
    const minted = await mint(utho);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    // Two failed listings, each asked again by the SDK, and the window's listings.
    expect(requestLog(emulator.current).slice(2)).toEqual(Array(8).fill("GET /v2/api 200"));
  });

  it("persists through a failing revocation after a lost response: only the retry's token remains", async () => {
    emulator.current.injectFault({ kind: "lost-response", method: "POST" });
    const utho = clientFor(emulator.current);
    const list = utho.apiTokens.list.bind(utho.apiTokens);
    let calls = 0;
    utho.apiTokens.list = async () => {
      // The sweep's first revocation is refused with 200 {"status":"error"}.
      if (++calls === 2) emulator.current.injectFault({ kind: "status-error", method: "DELETE" });
      return list();
    };
    const minted = await mint(utho, autoNamed);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    expect(emulator.current.countRequests("DELETE")).toBe(2);
    expect(emulator.current.countRequests("POST")).toBe(2);
  });

  it("does not forget a stray whose revocation failed when a later listing lags and omits it", async () => {
    emulator.current.injectFault({ kind: "lost-response", method: "POST" });
    const utho = clientFor(emulator.current);
    const list = utho.apiTokens.list.bind(utho.apiTokens);
    let calls = 0;
    utho.apiTokens.list = async () => {
      calls += 1;
      // The sweep's first listing shows the stray, whose revocation fails (through the SDK's
      // retries); the rest of the window's listings lag, and leave the stray (the newest token) out.
      if (calls === 2)
        emulator.current.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
      if (calls === 3) {
        emulator.current.clearFaults();
        emulator.current.injectFault({ kind: "stale-list", method: "GET", times: 5 });
      }
      return list();
    };
    const minted = await mint(utho, autoNamed);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    expect(emulator.current.countRequests("POST")).toBe(2);
  });

  it("two mints of one name and scope in one process run one after the other, both succeed", async () => {
    // One context, as one provider process has for one account.
    const { context } = contextAround(clientFor(emulator.current));
    const [first, second] = await Promise.all([mintToken(context, wanted), mintToken(context, wanted)]);
    expect(new Set([first.id, second.id]).size).toBe(2);
    expect(
      emulator.current
        .listTokens()
        .map((t) => t.id)
        .sort(),
    ).toEqual([first.id, second.id].sort());
    expect(await authenticates(first.token)).toBe(true);
    expect(await authenticates(second.token)).toBe(true);
  });

  it("rides out bursts of 429s on every call, never minting twice", async () => {
    emulator.current.injectFault({ kind: "429", method: "GET", times: 2 });
    emulator.current.injectFault({ kind: "429", method: "POST", times: 3 });
    await mint();
    expect(emulator.current.listTokens()).toHaveLength(1);
    expect(emulator.current.countRequests("POST")).toBe(4);
    expect(requestLog(emulator.current).filter((line) => line.endsWith("200"))).toEqual([
      "GET /v2/api 200",
      "POST /v2/api/generate 200",
      ...Array(6).fill("GET /v2/api 200"),
    ]);
  });

  it("never pairs its secret with another stack's same-named token that a lagging list showed alone", async () => {
    // Another stack's token, created just before this mint, which the lagging first listing misses.
    const theirs = emulator.current.createTokenOutOfBand("ci-deployer", "write");
    // The first listing misses theirs (the newest then); the one after the POST misses ours.
    emulator.current.injectFault({ kind: "stale-list", method: "GET", times: 2 });
    await expect(mint()).rejects.toThrow(
      new RegExp(`2 new tokens with that name and scope appeared \\(ids ${theirs.id}, \\d+\\)`),
    );
    // Neither was revoked: the run cannot prove which one is its own.
    expect(emulator.current.listTokens()).toHaveLength(2);
  });

  it("says which token is left behind when the key is refused right after the mint", async () => {
    // The provider's key is a Write token that someone revokes the moment the mint returns.
    const key = emulator.current.createTokenOutOfBand("provider-key", "write");
    const utho = clientFor(emulator.current, { apiKey: key.secret });
    const create = utho.apiTokens.create.bind(utho.apiTokens);
    utho.apiTokens.create = async (params) => {
      const result = await create(params);
      emulator.current.deleteTokenOutOfBand(key.id);
      return result;
    };
    await expect(mint(utho)).rejects.toThrow(
      /Token "ci-deployer" was minted, but then Utho refused the provider's API key .*revoke only the one that `utho-tokens audit --stack <each stack>` lists as unmanaged/,
    );
    expect(emulator.current.listTokens().map((t) => t.name)).toEqual(["ci-deployer"]);
  });

  it("does not retry a definite refusal (403 for a read-only key)", async () => {
    const { secret } = emulator.current.createTokenOutOfBand("viewer", "read");
    await expect(mint(clientFor(emulator.current, { apiKey: secret }))).rejects.toMatchObject({
      code: "UTHO_AUTH",
      status: 403,
    });
    expect(emulator.current.countRequests("POST")).toBe(1);
  });

  it("fails loudly, naming the ids, when another process minted the same name at the same moment", async () => {
    const utho = clientFor(emulator.current);
    const create = utho.apiTokens.create.bind(utho.apiTokens);
    let rival = "";
    utho.apiTokens.create = async (params) => {
      const result = await create(params);
      rival = emulator.current.createTokenOutOfBand(params.name, params.scope).id;
      return result;
    };
    const error = await mint(utho).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /2 new tokens with that name and scope appeared \(ids \d+, \d+\)/,
    );
    expect((error as Error).message).toContain(rival);
  });

  it("names the orphan when the new token never shows up in the list", async () => {
    emulator.current.injectFault({
      kind: "stale-list",
      method: "GET",
      path: "/v2/api",
      times: Number.POSITIVE_INFINITY,
    });
    await expect(mint()).rejects.toThrow(
      'Token "ci-deployer" was minted, but it did not appear in Utho\'s token list within 7.8 s, so its id is unknown and it cannot be managed. Revoke it: another stack may use the name "ci-deployer" too, so revoke only the one that `utho-tokens audit --stack <each stack>` lists as unmanaged.',
    );
    // An auto-name is this resource's alone: the message points at it by name.
    await expect(mint(clientFor(emulator.current), autoNamed)).rejects.toThrow(
      'Revoke it: the token named "ci-deployer-1a2b3c4d" in the Utho console.',
    );
  });
});

describe("many concurrent creates in one process", () => {
  /** Every result's id is a distinct token with the wanted name and scope, and its secret is that token's. */
  async function expectEachPairedWithItsOwnToken(
    results: { wanted: { name: string; scope: string }; minted: MintedToken }[],
  ) {
    expect(new Set(results.map((r) => r.minted.id)).size).toBe(results.length);
    const listed = new Map(emulator.current.listTokens().map((t) => [t.id, t]));
    for (const { wanted: w, minted } of results) {
      expect(listed.get(minted.id)).toMatchObject({ name: w.name, scope: w.scope });
    }
    // Revoking a token by its id stops exactly the secret paired with it.
    for (const [i, { minted }] of results.entries()) {
      expect(await authenticates(minted.token)).toBe(true);
      emulator.current.deleteTokenOutOfBand(minted.id);
      expect(await authenticates(minted.token)).toBe(false);
      const next = results[i + 1];
      if (next) expect(await authenticates(next.minted.token)).toBe(true);
    }
  }

  const manyWanted = (count: number, names: number) =>
    Array.from({ length: count }, (_, i) => ({
      name: `svc-${i % names}`,
      scope: (i % 3 === 0 ? "write" : "read") as "read" | "write",
    }));

  it("200 creates with distinct names share their listings instead of 400 listings", async () => {
    // 200 POSTs at once on a loaded machine can take longer than the usual 2 s to be answered.
    const client = clientFor(emulator.current, { timeoutMs: 15_000 });
    // Real time, a short window, and a gather that outlasts the POSTs' answers: 200 operations
    // ran at once, so a listing goes out as soon as all 200 wait for it.
    const shared = new ProviderContext(client, { ...realSettle(200), gatherMs: 10_000 }, () => undefined);
    const all = manyWanted(200, 200);
    const results = await Promise.all(
      all.map((w) =>
        shared.listings.operation(async () => ({ wanted: w, minted: await mintToken(shared, w) })),
      ),
    );
    expect(emulator.current.countRequests("POST")).toBe(200);
    // The first listing, then the window's six (explicit names look at every offset of it); a
    // second window's only if the POSTs' answers spread over more than the gather.
    expect(emulator.current.countRequests("GET", "/v2/api")).toBeLessThanOrEqual(1 + 2 * 6);
    await expectEachPairedWithItsOwnToken(results);
  }, 60_000);

  it("200 creates over 15 names, under stale listings, never pair a secret with another token", async () => {
    const stale = await startEmulator({ faultRate: 0.3, faults: ["stale-list"] });
    try {
      const { context } = contextAround(clientFor(stale));
      const all = manyWanted(200, 15);
      const results = await Promise.all(
        all.map(async (w) => ({ wanted: w, minted: await mintToken(context, w) })),
      );
      expect(stale.countRequests("POST")).toBe(200);
      expect(stale.requests.some((r) => r.fault === "stale-list")).toBe(true);
      expect(new Set(results.map((r) => r.minted.id)).size).toBe(200);
      const listed = new Map(stale.listTokens().map((t) => [t.id, t]));
      expect(listed.size).toBe(200);
      for (const { wanted: w, minted } of results) {
        expect(listed.get(minted.id)).toMatchObject({ name: w.name, scope: w.scope });
      }
      for (const { minted } of results) {
        stale.deleteTokenOutOfBand(minted.id);
        expect(await authenticatesTo(stale, minted.token)).toBe(false);
      }
    } finally {
      await stale.close();
    }
  }, 60_000);
});

describe("the ids known before a POST", () => {
  it("count every id at or below the greatest one known as older, for Utho's ids only grow", async () => {
    const first = emulator.current.createTokenOutOfBand("first", "read");
    const second = emulator.current.createTokenOutOfBand("second", "read");
    emulator.current.deleteTokenOutOfBand(first.id);
    const { listings } = contextAround(clientFor(emulator.current)).context;
    const before = await listings.knownIds();
    expect(before.predates(second.id)).toBe(true);
    // Never listed here, yet older than a listed id: created before this moment.
    expect(before.predates(first.id)).toBe(true);
    expect(before.predates(String(Number(second.id) + 1))).toBe(false);
    // A snapshot does not move: ids learned later do not count for it.
    const third = emulator.current.createTokenOutOfBand("third", "read");
    await listings.next();
    expect(before.predates(third.id)).toBe(false);
    expect((await listings.knownIds()).predates(third.id)).toBe(true);
  });
});
