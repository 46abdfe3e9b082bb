import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, MockAgent } from "undici";
import { startEmulator } from "../../emulator";
import {
  UthoApiError,
  UthoClient,
  UthoConnectionError,
  UthoNotFoundError,
  UthoRateLimitError,
  UthoResponseError,
  UthoTimeoutError,
} from "../../sdk";
import type { RetryEvent } from "../../sdk/options";
import { clientFor, FAST_RETRY_DELAYS, requestLog, useEmulator, waitFor } from "../support/emulator";

const emulator = useEmulator({ slowMs: 400 });

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

/** A port on 127.0.0.1 that was just free and has nothing listening: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that records each request ("METHOD path") and never answers it. */
async function stallingServer() {
  const requests: string[] = [];
  const server = createServer((req) => {
    requests.push(`${req.method} ${req.url}`);
  });
  const port = await listen(server);
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    requests: () => [...requests],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("GET and DELETE retry on transient failures", () => {
  it.each(["500", "503", "429", "reset", "bad-json"] as const)(
    "a GET retries after %s and succeeds",
    async (kind) => {
      emulator.current.injectFault({ kind, method: "GET", path: "/v2/api" });
      await expect(clientFor(emulator.current).apiTokens.list()).resolves.toEqual([]);
      // A gateway page comes with a 200; a dropped connection is recorded as "reset".
      const first = kind === "bad-json" ? "200" : kind;
      expect(requestLog(emulator.current)).toEqual([`GET /v2/api ${first}`, "GET /v2/api 200"]);
    },
  );

  it("gives up after maxRetries with the last error", async () => {
    emulator.current.injectFault({ kind: "503", method: "GET", times: Number.POSITIVE_INFINITY });
    const error = await clientFor(emulator.current, { maxRetries: 2 })
      .apiTokens.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoApiError);
    expect(error).toMatchObject({ status: 503 });
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(3);
  });

  it("a 429 that persists surfaces as UthoRateLimitError carrying Retry-After", async () => {
    emulator.current.injectFault({ kind: "429", times: Number.POSITIVE_INFINITY });
    const error = await clientFor(emulator.current, { maxRetries: 1 })
      .apiTokens.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoRateLimitError);
    // Utho said 1 s; the test client caps Retry-After at 5 ms.
    expect(error).toMatchObject({ code: "UTHO_RATE_LIMITED", retryAfterMs: 5 });
    // Three waits of 5 ms fill the 15 ms rate-limit budget, then the one retry maxRetries allows.
    expect(emulator.current.countRequests()).toBe(5);
  });

  it("a Retry-After of 0 is waited as the backoff, which grows, never as no wait at all", async () => {
    const zero = await startEmulator({ retryAfterSeconds: 0 });
    try {
      zero.injectFault({ kind: "429", times: 5 });
      const waits: number[] = [];
      await clientFor(zero, {
        retryDelays: {
          ...FAST_RETRY_DELAYS,
          maxMs: 64,
          rateLimitBudgetMs: 1_000,
          sleep: async (ms) => void waits.push(ms),
        },
      }).apiTokens.list();
      // Equal jitter at 0.5: three quarters of 1, 2, 4, 8 and 16 ms.
      expect(waits).toEqual([0.75, 1.5, 3, 6, 12]);
    } finally {
      await zero.close();
    }
  });

  it("refuses a backoff that starts at 0 ms, which would never grow", () => {
    expect(() => clientFor(emulator.current, { retryDelays: { baseMs: 0 } })).toThrow(
      "Invalid retryDelays.baseMs: must be at least 1, got 0",
    );
  });

  it("a 429 storm is waited out within the rate-limit budget, however many retries that takes", async () => {
    emulator.current.injectFault({ kind: "429", times: 40 });
    const events: RetryEvent[] = [];
    const tokens = await clientFor(emulator.current, {
      maxRetries: 1,
      retryDelays: { ...FAST_RETRY_DELAYS, rateLimitBudgetMs: 1_000 },
      onRetry: (event) => events.push(event),
    }).apiTokens.list();
    expect(tokens).toEqual([]);
    expect(emulator.current.countRequests()).toBe(41);
    expect(events.at(-1)).toMatchObject({
      retry: 40,
      maxRetries: 1,
      retryAfter: true,
      rateLimited: { waitedMs: 200, budgetMs: 1_000 },
    });
  });

  it("a GET that times out is retried maxRetries times, then reported as UthoTimeoutError", async () => {
    const server = await stallingServer();
    try {
      const random = jest.fn(() => 0.5);
      const error = await new UthoClient({
        apiKey: "k",
        baseUrl: server.baseUrl,
        timeoutMs: 50,
        maxRetries: 2,
        retryDelays: { ...FAST_RETRY_DELAYS, random },
      }).apiTokens
        .list()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UthoTimeoutError);
      expect(error).toMatchObject({ code: "UTHO_TIMEOUT", mayHaveCommitted: true });
      // The first attempt and two retries reached the server, with a backoff before each retry.
      expect(server.requests()).toEqual(["GET /v2/api", "GET /v2/api", "GET /v2/api"]);
      expect(random).toHaveBeenCalledTimes(2);
    } finally {
      await server.close();
    }
  });

  it("a DELETE whose response was lost is retried; the retry's 404 shows the token is gone", async () => {
    const utho = clientFor(emulator.current);
    const { id } = emulator.current.createTokenOutOfBand("old", "read");
    emulator.current.injectFault({ kind: "lost-response", method: "DELETE" });
    await expect(utho.apiTokens.delete(id)).rejects.toBeInstanceOf(UthoNotFoundError);
    expect(requestLog(emulator.current)).toEqual([
      `DELETE /v2/api/${id}/delete reset`,
      `DELETE /v2/api/${id}/delete 404`,
    ]);
    expect(emulator.current.listTokens()).toEqual([]);
  });
});

describe("POST api/generate is never retried blindly", () => {
  it("an unreadable 2xx is not retried: it may have minted", async () => {
    emulator.current.injectFault({ kind: "bad-json", method: "POST" });
    await expect(
      clientFor(emulator.current).apiTokens.create({ name: "ci", scope: "read" }),
    ).rejects.toBeInstanceOf(UthoResponseError);
    expect(requestLog(emulator.current)).toEqual(["POST /v2/api/generate 200"]);
  });

  it.each(["500", "503"] as const)("a %s is not retried", async (kind) => {
    emulator.current.injectFault({ kind, method: "POST" });
    await expect(
      clientFor(emulator.current).apiTokens.create({ name: "ci", scope: "read" }),
    ).rejects.toMatchObject({ status: Number(kind) });
    expect(requestLog(emulator.current)).toEqual([`POST /v2/api/generate ${kind}`]);
  });

  it("a dropped connection is not retried and says the token may exist", async () => {
    emulator.current.injectFault({ kind: "lost-response", method: "POST" });
    const error = await clientFor(emulator.current)
      .apiTokens.create({ name: "ci", scope: "read" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoConnectionError);
    expect(error).toMatchObject({ code: "UTHO_CONNECTION", mayHaveCommitted: true });
    expect(emulator.current.countRequests("POST")).toBe(1);
    // The emulator committed before dropping: exactly one token, never two.
    expect(emulator.current.listTokens()).toHaveLength(1);
  });

  it("a timeout is not retried", async () => {
    emulator.current.injectFault({ kind: "slow", method: "POST" });
    await expect(
      clientFor(emulator.current, { timeoutMs: 100 }).apiTokens.create({ name: "ci", scope: "read" }),
    ).rejects.toBeInstanceOf(UthoTimeoutError);
    // The emulator records the stalled request once it wakes up; no second POST follows it.
    await waitFor(() => emulator.current.countRequests("POST") > 0);
    expect(emulator.current.countRequests("POST")).toBe(1);
  });

  it("a 429 is retried: the rate limiter rejected it before it did anything", async () => {
    emulator.current.injectFault({ kind: "429", method: "POST", times: 2 });
    await expect(
      clientFor(emulator.current).apiTokens.create({ name: "ci", scope: "read" }),
    ).resolves.toEqual({ token: expect.any(String) });
    expect(requestLog(emulator.current)).toEqual([
      "POST /v2/api/generate 429",
      "POST /v2/api/generate 429",
      "POST /v2/api/generate 200",
    ]);
    expect(emulator.current.listTokens()).toHaveLength(1);
  });

  it.each([
    ["POST", (utho: UthoClient) => utho.apiTokens.create({ name: "ci", scope: "read" })],
    ["GET", (utho: UthoClient) => utho.apiTokens.list()],
    ["DELETE", (utho: UthoClient) => utho.apiTokens.delete("1")],
  ])(
    "a refused connection is retried maxRetries times for %s: the request never left",
    async (_method, call) => {
      const port = await closedPort();
      // Counts what the client hands to undici: one dispatch per attempt, each refused.
      let attempts = 0;
      const agent = new Agent().compose((dispatch) => (options, handler) => {
        attempts++;
        return dispatch(options, handler);
      });
      const random = jest.fn(() => 0.5);
      const utho = new UthoClient({
        apiKey: "k",
        baseUrl: `http://127.0.0.1:${port}/v2`,
        maxRetries: 2,
        dispatcher: agent,
        retryDelays: { ...FAST_RETRY_DELAYS, random },
      });
      try {
        const error = await call(utho).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UthoConnectionError);
        expect(error).toMatchObject({
          mayHaveCommitted: false,
          message: expect.stringContaining("ECONNREFUSED"),
        });
        expect(attempts).toBe(3);
        expect(random).toHaveBeenCalledTimes(2);
      } finally {
        await agent.close();
      }
    },
  );
});

describe("response validation (shapes the emulator never produces, so MockAgent stands in)", () => {
  function mockedClient(reply: { status: number; body: unknown; times?: number }) {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get("https://api.utho.com")
      .intercept({ path: "/v2/api", method: "GET" })
      .reply(reply.status, JSON.stringify(reply.body), { headers: { "content-type": "application/json" } })
      // Enough for the first attempt and every retry: a failing body of a GET is asked for again.
      .times(reply.times ?? 4);
    return new UthoClient({ apiKey: "k", dispatcher: agent, retryDelays: { baseMs: 1, maxMs: 1 } });
  }

  it("accepts Utho's loose encodings: numeric ids, numeric and boolean write flags, missing dates", async () => {
    const utho = mockedClient({
      status: 200,
      body: {
        status: "success",
        api: [
          { id: 7, name: "a", write: 1, created_at: "2026-01-02 03:04:05" },
          { id: "8", name: "b", write: false },
          { id: "9", name: "c", write: "0", created_at: null },
        ],
      },
    });
    expect(await utho.apiTokens.list()).toEqual([
      { id: "7", name: "a", scope: "write", createdAt: "2026-01-02 03:04:05" },
      { id: "8", name: "b", scope: "read", createdAt: "" },
      { id: "9", name: "c", scope: "read", createdAt: "" },
    ]);
  });

  it("reads a null list as empty, but a body without the list as an error, never as 'no tokens'", async () => {
    expect(
      await mockedClient({ status: 200, body: { status: "success", api: null } }).apiTokens.list(),
    ).toEqual([]);
    const error = await mockedClient({ status: 200, body: {} })
      .apiTokens.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoResponseError);
    expect((error as Error).message).toMatch(/unexpected response shape: api: /);
  });

  it("treats any status other than success as a failure, like Utho's own client", async () => {
    const error = await mockedClient({ status: 200, body: { status: "failed", api: [] } })
      .apiTokens.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoApiError);
    expect((error as Error).message).toBe(
      'Utho API GET api failed with HTTP 200: Utho reported status "failed"',
    );
  });

  it("names the offending field of an unexpected shape", async () => {
    const utho = mockedClient({ status: 200, body: { status: "success", api: [{ id: "1", write: "2" }] } });
    const error = await utho.apiTokens.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoResponseError);
    expect((error as Error).message).toMatch(/unexpected response shape: .*api\.0\.name/);
    expect((error as Error).message).toMatch(/api\.0\.write/);
  });

  it("reads Utho's other error shape, errors[].message", async () => {
    const utho = mockedClient({ status: 422, body: { errors: [{ message: "name is taken", code: "E1" }] } });
    await expect(utho.apiTokens.list()).rejects.toMatchObject({
      status: 422,
      uthoMessage: "name is taken",
      message: "Utho API GET api failed with HTTP 422: name is taken",
    });
  });

  it("redacts a secret that Utho echoes back in an error message", async () => {
    const echoed = "Bearer abcdefABCDEF0123456789abcdefABCDEF0123456789";
    const utho = mockedClient({ status: 400, body: { status: "error", message: `bad key ${echoed}` } });
    const error = await utho.apiTokens.list().catch((e: unknown) => e);
    expect((error as Error).message).not.toContain("abcdefABCDEF0123456789");
    expect((error as Error).message).toContain("[REDACTED]");
  });
});
