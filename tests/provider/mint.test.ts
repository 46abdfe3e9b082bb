import { mintToken } from "../../provider/mint";
import { authenticates as authenticatesTo, clientFor, requestLog, useEmulator } from "../support/emulator";

const emulator = useEmulator({ retryAfterSeconds: 0 });
const FAST = { persistDelaysMs: [1, 1, 1], maxCreateAttempts: 2 };
const wanted = { name: "ci-deployer", scope: "write" as const };

const authenticates = (secret: string | undefined) => authenticatesTo(emulator.current, secret);

describe("mintToken", () => {
  it("finds the new token's id, excluding tokens that already had the name", async () => {
    const older = emulator.current.createTokenOutOfBand("ci-deployer", "write");
    const minted = await mintToken(clientFor(emulator.current), wanted, FAST);
    expect(minted.id).not.toBe(older.id);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([older.id, minted.id]);
    expect(requestLog(emulator.current)).toEqual([
      "GET /v2/api 200",
      "POST /v2/api/generate 200",
      "GET /v2/api 200",
    ]);
    expect(await authenticates(minted.token)).toBe(true);
  });

  it("waits for a list that does not show the new token yet", async () => {
    emulator.current.injectFault({ kind: "stale-list", method: "GET", times: 2 });
    const minted = await mintToken(clientFor(emulator.current), wanted, FAST);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(3);
  });

  it("after a lost response, deletes the token it cannot own and mints again: one token remains", async () => {
    emulator.current.injectFault({ kind: "lost-response", method: "POST" });
    const minted = await mintToken(clientFor(emulator.current), wanted, FAST);
    const tokens = emulator.current.listTokens();
    expect(tokens.map((t) => t.id)).toEqual([minted.id]);
    expect(requestLog(emulator.current)).toEqual([
      "GET /v2/api 200",
      "POST /v2/api/generate reset",
      "GET /v2/api 200",
      expect.stringMatching(/^DELETE \/v2\/api\/\d+\/delete 200$/),
      "POST /v2/api/generate 200",
      "GET /v2/api 200",
    ]);
    expect(await authenticates(minted.token)).toBe(true);
  });

  it("after a 500 that minted nothing, checks, then mints once more", async () => {
    emulator.current.injectFault({ kind: "500", method: "POST" });
    await mintToken(clientFor(emulator.current), wanted, FAST);
    expect(emulator.current.listTokens()).toHaveLength(1);
    expect(emulator.current.countRequests("POST")).toBe(2);
  });

  it("gives up after repeated ambiguous failures, leaving nothing behind", async () => {
    emulator.current.injectFault({ kind: "lost-response", method: "POST", times: 2 });
    await expect(mintToken(clientFor(emulator.current), wanted, FAST)).rejects.toThrow(
      /^Creating token "ci-deployer" failed \(.*\); nothing was left behind\. Run again\.$/,
    );
    expect(emulator.current.listTokens()).toEqual([]);
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
    const minted = await mintToken(utho, wanted, FAST);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    expect(requestLog(emulator.current).slice(2)).toEqual([
      "GET /v2/api 200",
      "GET /v2/api 200",
      "GET /v2/api 200",
    ]);
  });

  it("persists through a failing clean-up after a lost response: one token remains, ours", async () => {
    emulator.current.injectFault({ kind: "lost-response", method: "POST" });
    const utho = clientFor(emulator.current);
    const list = utho.apiTokens.list.bind(utho.apiTokens);
    let calls = 0;
    utho.apiTokens.list = async () => {
      // The clean-up's first delete is refused with 200 {"status":"error"}.
      if (++calls === 2) emulator.current.injectFault({ kind: "status-error", method: "DELETE" });
      return list();
    };
    const minted = await mintToken(utho, wanted, FAST);
    expect(emulator.current.listTokens().map((t) => t.id)).toEqual([minted.id]);
    expect(emulator.current.countRequests("DELETE")).toBe(2);
  });

  it("rides out bursts of 429s on every call, never minting twice", async () => {
    emulator.current.injectFault({ kind: "429", method: "GET", times: 2 });
    emulator.current.injectFault({ kind: "429", method: "POST", times: 3 });
    await mintToken(clientFor(emulator.current), wanted, FAST);
    expect(emulator.current.listTokens()).toHaveLength(1);
    expect(emulator.current.countRequests("POST")).toBe(4);
    expect(requestLog(emulator.current).filter((line) => line.endsWith("200"))).toEqual([
      "GET /v2/api 200",
      "POST /v2/api/generate 200",
      "GET /v2/api 200",
    ]);
  });

  it("does not retry a definite refusal (403 for a read-only key)", async () => {
    const { secret } = emulator.current.createTokenOutOfBand("viewer", "read");
    await expect(
      mintToken(clientFor(emulator.current, { apiKey: secret }), wanted, FAST),
    ).rejects.toMatchObject({
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
    const error = await mintToken(utho, wanted, FAST).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /2 new tokens with that name and scope appeared at once \(ids \d+, \d+\)/,
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
    await expect(mintToken(clientFor(emulator.current), wanted, FAST)).rejects.toThrow(
      'Token "ci-deployer" was minted, but it never appeared in Utho\'s token list, so its id is unknown and it cannot be managed. Delete the token named "ci-deployer" in the Utho console.',
    );
  });
});
