import { type RunningEmulator, startEmulator } from "../../emulator";
import { UthoConfigError, UthoInputError } from "../../sdk/errors";
import { ruleProblem, tokenNameSchema } from "../../sdk/rules";
import { call, createToken, errorBody, listTokens } from "./helpers";

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator();
});

afterEach(async () => {
  await emulator.close();
});

describe("GET /v2/api", () => {
  it("answers an empty account with an empty list", async () => {
    const response = await call(emulator, "GET", "/api");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.json).toEqual({ status: "success", api: [] });
  });

  it("lists tokens in creation order with exactly id, name, write and created_at", async () => {
    const before = Date.now();
    await createToken(emulator, "ci", "1");
    await createToken(emulator, "dashboard", "0");
    const response = await call(emulator, "GET", "/api");
    expect(response.json).toEqual({
      status: "success",
      api: [
        { id: expect.stringMatching(/^\d+$/), name: "ci", write: "1", created_at: expect.any(String) },
        { id: expect.stringMatching(/^\d+$/), name: "dashboard", write: "0", created_at: expect.any(String) },
      ],
    });
    for (const token of (response.json as { api: Record<string, string>[] }).api) {
      expect(Object.keys(token).sort()).toEqual(["created_at", "id", "name", "write"]);
      expect(token.created_at).toMatch(TIMESTAMP);
      // UTC: read back as UTC, the stamp falls within this test's run (to the second).
      const stamp = Date.parse(`${token.created_at.replace(" ", "T")}Z`);
      expect(stamp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(stamp).toBeLessThanOrEqual(Date.now());
    }
  });

  it("gives unique, increasing numeric ids and never reuses a deleted one", async () => {
    for (const name of ["a", "b", "c", "d"]) await createToken(emulator, name, "1");
    const ids = (await listTokens(emulator)).map((token) => Number(token.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(4);
    const last = ids[ids.length - 1];
    expect(emulator.deleteTokenOutOfBand(String(last))).toBe(true);
    await createToken(emulator, "e", "1");
    const next = (await listTokens(emulator)).find((token) => token.name === "e");
    expect(Number(next?.id)).toBeGreaterThan(last);
  });

  it("never lists a secret or the root key", async () => {
    const secret = await createToken(emulator, "ci", "1");
    const response = await call(emulator, "GET", "/api");
    expect(response.text).not.toContain(secret);
    expect(response.text).not.toContain(emulator.rootKey);
  });

  it("ignores the query string", async () => {
    const response = await call(emulator, "GET", "/api?page=2");
    expect(response.status).toBe(200);
    expect(emulator.requests.at(-1)?.path).toBe("/v2/api");
  });
});

describe("POST /v2/api/generate", () => {
  it("returns exactly status, apikey and message, with a long random secret", async () => {
    const response = await call(emulator, "POST", "/api/generate", { body: { name: "ci", write: "1" } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      status: "success",
      apikey: expect.stringMatching(/^[0-9a-f]{64}$/),
      message: "New API has been created",
    });
    const second = await createToken(emulator, "ci-2", "1");
    expect((response.json as { apikey: string }).apikey).not.toBe(second);
  });

  it.each([
    ["1", "1"],
    [1, "1"],
    [true, "1"],
    ["on", "1"],
    ["0", "0"],
    [0, "0"],
    [false, "0"],
    ["off", "0"],
  ])("accepts write %j as scope %s", async (write, listed) => {
    const response = await call(emulator, "POST", "/api/generate", { body: { name: "ci", write } });
    expect(response.status).toBe(200);
    expect((await listTokens(emulator)).map((token) => token.write)).toEqual([listed]);
  });

  it("allows duplicate names, as Utho does", async () => {
    const first = await createToken(emulator, "same", "1");
    const second = await createToken(emulator, "same", "0");
    expect(first).not.toBe(second);
    const tokens = await listTokens(emulator);
    expect(tokens.map((token) => token.name)).toEqual(["same", "same"]);
    expect(tokens[0].id).not.toBe(tokens[1].id);
  });

  it("accepts a name of exactly 64 characters, counted as characters rather than bytes", async () => {
    await createToken(emulator, "é".repeat(64), "1");
    expect((await listTokens(emulator))[0].name).toBe("é".repeat(64));
  });

  it.each([
    ["no body fields", {}, 400, "name"],
    ["a missing name", { write: "1" }, 400, "name"],
    ["a null name", { name: null, write: "1" }, 400, "name"],
    ["a numeric name", { name: 5, write: "1" }, 400, "name"],
    ["an empty name", { name: "", write: "1" }, 422, "name"],
    ["a blank name", { name: "   ", write: "1" }, 422, "name"],
    ["a 65-character name", { name: "a".repeat(65), write: "1" }, 422, "name"],
    ["a newline in the name", { name: "a\nb", write: "1" }, 422, "name"],
    ["a NUL in the name", { name: "a\u0000b", write: "1" }, 422, "name"],
    ["a leading space in the name", { name: " ci", write: "1" }, 422, "name"],
    ["a bidi override in the name", { name: "ci\u202Etxt.exe", write: "1" }, 422, "name"],
    ["a line separator in the name", { name: "ci\u2028prod", write: "1" }, 422, "name"],
    ["a lone surrogate in the name", { name: "ci\uD800", write: "1" }, 422, "name"],
    ["a missing write", { name: "ci" }, 400, "write"],
    ["write 2", { name: "ci", write: "2" }, 422, "write"],
    ["write numeric 2", { name: "ci", write: 2 }, 422, "write"],
    ["write yes", { name: "ci", write: "yes" }, 422, "write"],
    ["write as an array", { name: "ci", write: ["1"] }, 400, "write"],
  ])("rejects %s (body %j) with %i naming %s, creating nothing", async (_case, body, status, field) => {
    const response = await call(emulator, "POST", "/api/generate", { body });
    expect(response.status).toBe(status);
    expect(response.json).toEqual(errorBody(expect.stringMatching(new RegExp(`^${field}\\b`))));
    expect(emulator.listTokens()).toEqual([]);
  });

  it.each([
    ["a tab", "ci\tprod", "name must not contain control characters (U+0009 at character 3)"],
    [
      "a bidi override",
      "ab\u202Ecd",
      "name must not contain bidirectional formatting characters (U+202E at character 3)",
    ],
    [
      "a paragraph separator",
      "x\u2029y",
      "name must not contain line or paragraph separators (U+2029 at character 2)",
    ],
    ["a trailing space", "ci ", "name must not start or end with whitespace"],
    ["65 emoji", "🔑".repeat(65), "name must be at most 64 characters (it has 65)"],
  ])(
    "refuses a name with %s in the shared rule's words, after the field's name",
    async (_case, name, message) => {
      const response = await call(emulator, "POST", "/api/generate", { body: { name, write: "1" } });
      expect(response.status).toBe(422);
      expect(response.json).toEqual(errorBody(message));
      expect(message).toBe(`name ${ruleProblem(tokenNameSchema, name)}`);
    },
  );

  it("accepts what the shared rule accepts: inner spaces, emoji, other scripts", async () => {
    for (const name of ["ci deployer", "🔑 keys", "デプロイ", "a".repeat(64)]) {
      expect(ruleProblem(tokenNameSchema, name)).toBeUndefined();
      await createToken(emulator, name, "0");
    }
    expect(emulator.listTokens()).toHaveLength(4);
  });

  it.each([
    ["invalid JSON", "{name:", /JSON/],
    ["a JSON array", '["ci","1"]', /JSON object/],
    ["JSON null", "null", /JSON object/],
    ["a JSON string", '"ci"', /JSON object/],
  ])("rejects %s with 400", async (_case, rawBody, message) => {
    const response = await call(emulator, "POST", "/api/generate", { rawBody });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(errorBody(expect.stringMatching(message)));
    expect(emulator.listTokens()).toEqual([]);
  });

  it("rejects a body over 64 KiB with 413", async () => {
    const response = await call(emulator, "POST", "/api/generate", {
      body: { name: "ci", write: "1", padding: "x".repeat(70_000) },
    });
    expect(response.status).toBe(413);
    expect(response.json).toEqual(errorBody(expect.any(String)));
    expect(emulator.listTokens()).toEqual([]);
  });
});

describe("DELETE /v2/api/{id}/delete", () => {
  it("deletes the token and answers exactly status and message", async () => {
    await createToken(emulator, "ci", "1");
    const [token] = await listTokens(emulator);
    const response = await call(emulator, "DELETE", `/api/${token.id}/delete`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: "success", message: "API key deleted" });
    expect(await listTokens(emulator)).toEqual([]);
  });

  it("revokes the token at once", async () => {
    const secret = await createToken(emulator, "ci", "1");
    expect((await call(emulator, "GET", "/account/info", { key: secret })).status).toBe(200);
    const [token] = await listTokens(emulator);
    await call(emulator, "DELETE", `/api/${token.id}/delete`);
    expect((await call(emulator, "GET", "/account/info", { key: secret })).status).toBe(401);
  });

  it.each([["999999"], ["not-a-number"], ["%E0%A4%A"]])("answers 404 for unknown id %s", async (id) => {
    const response = await call(emulator, "DELETE", `/api/${id}/delete`);
    expect(response.status).toBe(404);
    expect(response.json).toEqual(errorBody("API key not found"));
  });

  it("answers 404 when the same token is deleted twice", async () => {
    const { id } = emulator.createTokenOutOfBand("ci", "write");
    expect((await call(emulator, "DELETE", `/api/${id}/delete`)).status).toBe(200);
    expect((await call(emulator, "DELETE", `/api/${id}/delete`)).status).toBe(404);
  });
});

describe("GET /v2/account/info", () => {
  it("describes the account for the root key", async () => {
    const response = await call(emulator, "GET", "/account/info");
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      status: "success",
      user: { id: expect.any(String), fullname: expect.any(String), email: expect.stringContaining("@") },
    });
  });

  it("keeps credit figures numeric, as Utho's Go client decodes them into float64", async () => {
    const { user } = (await call(emulator, "GET", "/account/info")).json as { user: Record<string, unknown> };
    expect(typeof user.credit).toBe("number");
    expect(typeof user.availablecredit).toBe("number");
  });
});

describe("authentication", () => {
  const UNAUTHORIZED = errorBody("Unauthorized");

  it.each([
    ["GET", "/api"],
    ["POST", "/api/generate"],
    ["DELETE", "/api/176300/delete"],
    ["GET", "/account/info"],
  ])("%s %s without a key answers 401 with a Bearer challenge", async (method, path) => {
    const body = method === "POST" ? { name: "ci", write: "1" } : undefined;
    const response = await call(emulator, method, path, { key: null, body });
    expect(response.status).toBe(401);
    expect(response.json).toEqual(UNAUTHORIZED);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(emulator.listTokens()).toEqual([]);
  });

  it.each([
    ["a Basic header", (root: string) => `Basic ${root}`],
    ["a bare key", (root: string) => root],
    ["Bearer without a key", () => "Bearer"],
    ["two words after Bearer", (root: string) => `Bearer ${root} extra`],
    ["another scheme", (root: string) => `Token ${root}`],
  ])("rejects %s with 401", async (_case, header) => {
    const response = await call(emulator, "GET", "/api", { authorization: header(emulator.rootKey) });
    expect(response.status).toBe(401);
    expect(response.json).toEqual(UNAUTHORIZED);
  });

  it("rejects an unknown key with 401 and never echoes it", async () => {
    const key = "f".repeat(64);
    const response = await call(emulator, "GET", "/account/info", { key });
    expect(response.status).toBe(401);
    expect(response.json).toEqual(UNAUTHORIZED);
    expect(response.text).not.toContain(key);
    expect([...response.headers.values()].join(" ")).not.toContain(key);
  });

  it("accepts the Bearer scheme in any case", async () => {
    const response = await call(emulator, "GET", "/api", { authorization: `bearer ${emulator.rootKey}` });
    expect(response.status).toBe(200);
  });

  it("authenticates before validating, so a bad body from a stranger is a 401", async () => {
    const response = await call(emulator, "POST", "/api/generate", { key: "nope", rawBody: "{" });
    expect(response.status).toBe(401);
  });

  it("lets a created Write token read, create and delete from the moment it exists", async () => {
    const secret = await createToken(emulator, "ci", "1");
    expect((await call(emulator, "GET", "/account/info", { key: secret })).status).toBe(200);
    const other = await createToken(emulator, "made-by-ci", "0", secret);
    expect(other.length).toBeGreaterThanOrEqual(32);
    const made = (await listTokens(emulator, secret)).find((token) => token.name === "made-by-ci");
    const response = await call(emulator, "DELETE", `/api/${made?.id}/delete`, { key: secret });
    expect(response.status).toBe(200);
  });

  it("lets a Read-Only token only read: POST and DELETE are 403 and change nothing", async () => {
    const secret = await createToken(emulator, "viewer", "0");
    expect((await call(emulator, "GET", "/api", { key: secret })).status).toBe(200);
    expect((await call(emulator, "GET", "/account/info", { key: secret })).status).toBe(200);

    const create = await call(emulator, "POST", "/api/generate", {
      key: secret,
      body: { name: "x", write: "1" },
    });
    expect(create.status).toBe(403);
    expect(create.json).toEqual(errorBody(expect.stringMatching(/Read-Only/)));

    const [viewer] = emulator.listTokens();
    const remove = await call(emulator, "DELETE", `/api/${viewer.id}/delete`, { key: secret });
    expect(remove.status).toBe(403);
    expect(remove.json).toEqual(errorBody(expect.any(String)));
    expect(emulator.listTokens()).toEqual([viewer]);
  });
});

describe("routing", () => {
  it.each([["/apis"], ["/api/176300"], ["/account"], ["/"]])(
    "answers 404 for unknown route %s",
    async (path) => {
      const response = await call(emulator, "GET", path);
      expect(response.status).toBe(404);
      expect(response.json).toEqual(errorBody(expect.any(String)));
    },
  );

  it("answers 404 outside /v2", async () => {
    const response = await fetch(emulator.baseUrl.replace("/v2", "/v1/api"), {
      headers: { authorization: `Bearer ${emulator.rootKey}` },
    });
    expect(response.status).toBe(404);
  });

  it.each([
    ["POST", "/api", "GET"],
    ["GET", "/api/generate", "POST"],
    ["PUT", "/api/176300/delete", "DELETE"],
    ["DELETE", "/account/info", "GET"],
  ])("answers %s %s with 405 and Allow: %s", async (method, path, allow) => {
    const response = await call(emulator, method, path);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe(allow);
    expect(response.json).toEqual(errorBody(expect.any(String)));
  });
});

describe("request recording", () => {
  it("records every served request in order, with method, path and status", async () => {
    await call(emulator, "GET", "/api");
    await call(emulator, "POST", "/api/generate", { body: { name: "ci", write: "1" } });
    await call(emulator, "GET", "/account/info", { key: null });
    expect(emulator.requests).toEqual([
      { method: "GET", path: "/v2/api", status: 200 },
      { method: "POST", path: "/v2/api/generate", status: 200 },
      { method: "GET", path: "/v2/account/info", status: 401 },
    ]);
  });

  it("counts by method and path, and resets in place", async () => {
    const requests = emulator.requests;
    await call(emulator, "GET", "/api");
    await call(emulator, "GET", "/api");
    await call(emulator, "GET", "/account/info");
    expect(emulator.countRequests()).toBe(3);
    expect(emulator.countRequests("GET")).toBe(3);
    expect(emulator.countRequests("get", "/v2/api")).toBe(2);
    expect(emulator.countRequests(undefined, "/v2/account/info")).toBe(1);
    expect(emulator.countRequests("POST")).toBe(0);
    emulator.resetRequests();
    expect(emulator.countRequests()).toBe(0);
    await call(emulator, "GET", "/api");
    expect(requests).toHaveLength(1);
  });

  it("does not count out-of-band operations", async () => {
    const { id } = emulator.createTokenOutOfBand("console", "read");
    emulator.deleteTokenOutOfBand(id);
    emulator.listTokens();
    expect(emulator.countRequests()).toBe(0);
  });
});

describe("out-of-band operations", () => {
  it("creates tokens that the API lists and that authenticate", async () => {
    const { id, secret } = emulator.createTokenOutOfBand("console", "read");
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(await listTokens(emulator)).toEqual([
      { id, name: "console", write: "0", created_at: expect.stringMatching(TIMESTAMP) },
    ]);
    expect((await call(emulator, "GET", "/account/info", { key: secret })).status).toBe(200);
  });

  it("lists tokens without secrets and deletes them, revoking at once", async () => {
    const { id, secret } = emulator.createTokenOutOfBand("console", "write");
    expect(emulator.listTokens()).toEqual([
      { id, name: "console", scope: "write", createdAt: expect.stringMatching(TIMESTAMP) },
    ]);
    expect(emulator.deleteTokenOutOfBand(id)).toBe(true);
    expect(emulator.deleteTokenOutOfBand(id)).toBe(false);
    expect((await call(emulator, "GET", "/account/info", { key: secret })).status).toBe(401);
  });

  it("applies the API's rules, throwing UthoInputError naming the field and the rule", () => {
    const badName = catching(() => emulator.createTokenOutOfBand("ci\u202E", "read"));
    expect(badName).toBeInstanceOf(UthoInputError);
    expect(badName).toMatchObject({
      code: "UTHO_INVALID_INPUT",
      field: "name",
      message: `Invalid name: ${ruleProblem(tokenNameSchema, "ci\u202E")}`,
    });
    expect(catching(() => emulator.createTokenOutOfBand("", "read"))).toMatchObject({ field: "name" });
    const badScope = catching(() => emulator.createTokenOutOfBand("x", "admin" as "read"));
    expect(badScope).toBeInstanceOf(UthoInputError);
    expect(badScope).toMatchObject({ field: "scope", message: 'Invalid scope: must be "read" or "write"' });
    expect(emulator.listTokens()).toEqual([]);
  });
});

describe("startEmulator options", () => {
  it("listens on a free loopback port and generates a long random root key by default", async () => {
    expect(emulator.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    expect(emulator.rootKey).toMatch(/^[0-9a-f]{64}$/);
    const other = await startEmulator();
    try {
      expect(other.rootKey).not.toBe(emulator.rootKey);
      expect(other.baseUrl).not.toBe(emulator.baseUrl);
    } finally {
      await other.close();
    }
  });

  it("uses the given root key", async () => {
    const custom = await startEmulator({ rootKey: "my-root-key" });
    try {
      expect(custom.rootKey).toBe("my-root-key");
      expect((await call(custom, "GET", "/api", { key: "my-root-key" })).status).toBe(200);
    } finally {
      await custom.close();
    }
  });

  it("adds latencyMs to every response", async () => {
    const slow = await startEmulator({ latencyMs: 60 });
    try {
      const started = Date.now();
      await call(slow, "GET", "/api");
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      await slow.close();
    }
  });

  it.each([
    ["a negative port", { port: -1 }, "port must be an integer from 0 to 65535"],
    ["a fractional port", { port: 1.5 }, "port must be an integer from 0 to 65535"],
    ["a port given as text", { port: "80" as unknown as number }, "port must be an integer from 0 to 65535"],
    ["a fault rate above 1", { faultRate: 1.5 }, "faultRate must be a number from 0 to 1"],
    ["a NaN fault rate", { faultRate: Number.NaN }, "faultRate must be a number from 0 to 1"],
    [
      "an unknown fault kind",
      { faults: ["bogus" as "500"] },
      /^faults must be a list of fault kinds .*"bogus"/,
    ],
    ["a negative latency", { latencyMs: -5 }, "latencyMs must be an integer from 0 to 2147483647"],
    [
      "an infinite slowMs",
      { slowMs: Number.POSITIVE_INFINITY },
      "slowMs must be an integer from 0 to 2147483647",
    ],
    [
      "a fractional Retry-After",
      { retryAfterSeconds: 0.5 },
      "retryAfterSeconds must be an integer from 0 to 86400",
    ],
    [
      "a root key with a space",
      { rootKey: "two words" },
      "rootKey must be non-empty printable ASCII without spaces",
    ],
    ["an empty root key", { rootKey: "" }, "rootKey must be non-empty printable ASCII without spaces"],
    ["an empty host", { host: "" }, "host must be a non-empty string"],
    [
      "a random that is not a function",
      { random: 0.5 as unknown as () => number },
      "random must be a function",
    ],
  ])("rejects %s with a UthoConfigError naming the option and its rule", async (_case, options, message) => {
    const error = await startEmulator(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toMatchObject({ code: "UTHO_CONFIG" });
    if (typeof message === "string") expect(error).toHaveProperty("message", message);
    else expect(error).toHaveProperty("message", expect.stringMatching(message));
  });

  it("names every refused option at once", async () => {
    await expect(startEmulator({ port: -1, faultRate: 2 })).rejects.toThrow(
      "port must be an integer from 0 to 65535; faultRate must be a number from 0 to 1",
    );
  });

  it("closes once, however often close() is called", async () => {
    const other = await startEmulator();
    await Promise.all([other.close(), other.close()]);
    await expect(other.close()).resolves.toBeUndefined();
    await expect(call(other, "GET", "/api")).rejects.toThrow();
  });

  it("rejects a port already in use with a UthoConfigError that keeps the cause", async () => {
    const port = Number(new URL(emulator.baseUrl).port);
    const error = await startEmulator({ port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toHaveProperty("message", expect.stringMatching(/EADDRINUSE/));
    expect(error).toHaveProperty("cause.code", "EADDRINUSE");
  });
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
