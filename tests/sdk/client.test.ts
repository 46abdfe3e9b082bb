import { inspect } from "node:util";
import {
  UthoApiError,
  UthoAuthError,
  UthoClient,
  UthoConfigError,
  UthoInputError,
  UthoNotFoundError,
} from "../../sdk";
import { SDK_VERSION } from "../../sdk/version";
import { clientFor, requestLog, useEmulator } from "../support/emulator";

const emulator = useEmulator();

describe("UthoClient against the emulator", () => {
  it("creates, lists and deletes a token; the secret authenticates until deleted", async () => {
    const utho = clientFor(emulator.current);
    const { token } = await utho.apiTokens.create({ name: "ci-deployer", scope: "write" });
    expect(token.length).toBeGreaterThanOrEqual(32);

    const listed = await utho.apiTokens.list();
    expect(listed).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        name: "ci-deployer",
        scope: "write",
        createdAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(token);

    const asToken = utho.withOptions({ apiKey: token });
    await expect(asToken.account.info()).resolves.toMatchObject({ email: expect.any(String) });

    await utho.apiTokens.delete(listed[0]?.id as string);
    expect(await utho.apiTokens.list()).toEqual([]);
    await expect(asToken.account.info()).rejects.toBeInstanceOf(UthoAuthError);
  });

  it("maps write flags to scopes", async () => {
    const utho = clientFor(emulator.current);
    await utho.apiTokens.create({ name: "reader", scope: "read" });
    await utho.apiTokens.create({ name: "writer", scope: "write" });
    const scopes = Object.fromEntries((await utho.apiTokens.list()).map((t) => [t.name, t.scope]));
    expect(scopes).toEqual({ reader: "read", writer: "write" });
  });

  it("throws UthoNotFoundError for an unknown id", async () => {
    const error = await clientFor(emulator.current)
      .apiTokens.delete("999999")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoNotFoundError);
    expect(error).toMatchObject({
      code: "UTHO_NOT_FOUND",
      status: 404,
      method: "DELETE",
      path: "api/999999/delete",
    });
  });

  it("throws UthoAuthError (401) for an unknown key and never shows the key", async () => {
    const key = "k3y-that-must-never-be-shown-0123456789abcdef";
    const error = await clientFor(emulator.current, { apiKey: key })
      .apiTokens.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoAuthError);
    expect(error).toMatchObject({ code: "UTHO_AUTH", status: 401 });
    for (const text of [String(error), inspect(error, { depth: 10 }), (error as Error).stack ?? ""]) {
      expect(text).not.toContain(key);
    }
  });

  it("a read-only token gets UthoAuthError (403) on create", async () => {
    const { secret } = emulator.current.createTokenOutOfBand("viewer", "read");
    const error = await clientFor(emulator.current, { apiKey: secret })
      .apiTokens.create({ name: "x", scope: "read" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoAuthError);
    expect(error).toMatchObject({ status: 403 });
    expect(inspect(error)).not.toContain(secret);
  });

  it("treats a 2xx body with status error as an error: a GET asks again, a POST does not", async () => {
    emulator.current.injectFault({ kind: "status-error", method: "GET", times: Number.POSITIVE_INFINITY });
    const error = await clientFor(emulator.current)
      .apiTokens.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoApiError);
    expect(error).toMatchObject({ code: "UTHO_API_ERROR", status: 200, uthoMessage: expect.any(String) });
    expect(requestLog(emulator.current)).toEqual(Array(4).fill("GET /v2/api 200"));
    emulator.current.clearFaults();
    emulator.current.injectFault({ kind: "status-error", method: "POST" });
    await expect(
      clientFor(emulator.current).apiTokens.create({ name: "x", scope: "read" }),
    ).rejects.toMatchObject({ code: "UTHO_API_ERROR", status: 200 });
    expect(emulator.current.countRequests("POST")).toBe(1);
  });

  it("names a non-JSON body in a UthoResponseError", async () => {
    emulator.current.injectFault({ kind: "bad-json", method: "GET", times: Number.POSITIVE_INFINITY });
    await expect(clientFor(emulator.current).apiTokens.list()).rejects.toMatchObject({
      name: "UthoResponseError",
      code: "UTHO_BAD_RESPONSE",
      message: expect.stringContaining("not JSON (text/html"),
    });
  });

  it("hides the API key from inspect, JSON and string forms of the client", () => {
    const key = "root-key-secret-value-0123456789";
    const utho = new UthoClient({ apiKey: key, baseUrl: emulator.current.baseUrl });
    for (const text of [inspect(utho, { depth: 10, showHidden: true }), JSON.stringify(utho), String(utho)]) {
      expect(text).not.toContain(key);
    }
  });
});

describe("input validation, before any request", () => {
  const cases: [string, () => Promise<unknown>, string, RegExp][] = [
    [
      "empty name",
      () => clientFor(emulator.current).apiTokens.create({ name: "", scope: "read" }),
      "name",
      /empty/,
    ],
    [
      "blank name",
      () => clientFor(emulator.current).apiTokens.create({ name: "  ", scope: "read" }),
      "name",
      /empty/,
    ],
    [
      "long name",
      () => clientFor(emulator.current).apiTokens.create({ name: "n".repeat(65), scope: "read" }),
      "name",
      /at most 64/,
    ],
    [
      "surrounding whitespace",
      () => clientFor(emulator.current).apiTokens.create({ name: " ci", scope: "read" }),
      "name",
      /must not start or end with whitespace/,
    ],
    [
      "control character",
      () => clientFor(emulator.current).apiTokens.create({ name: "a\nb", scope: "read" }),
      "name",
      /control characters/,
    ],
    [
      "bad scope",
      () => clientFor(emulator.current).apiTokens.create({ name: "ok", scope: "admin" as "read" }),
      "scope",
      /"read" or "write"/,
    ],
    ["bad id", () => clientFor(emulator.current).apiTokens.delete("../x"), "id", /token id/],
    ["empty id", () => clientFor(emulator.current).apiTokens.delete(""), "id", /token id/],
  ];

  it.each(cases)("rejects %s naming the field", async (_label, call, field, rule) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoInputError);
    expect(error).toMatchObject({ code: "UTHO_INVALID_INPUT", field });
    expect((error as Error).message).toMatch(new RegExp(`^Invalid ${field}: `));
    expect((error as Error).message).toMatch(rule);
    expect(emulator.current.countRequests()).toBe(0);
  });
});

describe("options", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("reads the key from UTHO_API_KEY, then UTHO_TOKEN, and the base URL from UTHO_BASE_URL", async () => {
    delete process.env.UTHO_API_KEY;
    process.env.UTHO_TOKEN = emulator.current.rootKey;
    process.env.UTHO_BASE_URL = emulator.current.baseUrl;
    await expect(new UthoClient().apiTokens.list()).resolves.toEqual([]);

    process.env.UTHO_API_KEY = "";
    await expect(new UthoClient().apiTokens.list()).resolves.toEqual([]);

    process.env.UTHO_API_KEY = "wrong-key-wins-over-UTHO_TOKEN";
    await expect(new UthoClient().apiTokens.list()).rejects.toBeInstanceOf(UthoAuthError);
  });

  it("defaults to Utho's public API", () => {
    delete process.env.UTHO_BASE_URL;
    expect(new UthoClient({ apiKey: "k" }).baseUrl).toBe("https://api.utho.com/v2/");
  });

  const invalid: [string, () => unknown, RegExp][] = [
    [
      "missing key",
      () => {
        delete process.env.UTHO_API_KEY;
        delete process.env.UTHO_TOKEN;
        return new UthoClient({ baseUrl: "https://api.utho.com/v2" });
      },
      /^Missing apiKey: .*UTHO_API_KEY.*UTHO_TOKEN/,
    ],
    ["key with a line break", () => new UthoClient({ apiKey: "a\nb" }), /^Invalid apiKey: /],
    [
      "plain http to a remote host",
      () => new UthoClient({ apiKey: "k", baseUrl: "http://api.utho.com/v2" }),
      /^Invalid baseUrl: .*https/,
    ],
    [
      "relative base URL, not echoed",
      () => new UthoClient({ apiKey: "k", baseUrl: "pasted-key-0123456789" }),
      /^Invalid baseUrl: it is not an absolute URL \(e\.g\. https:\/\/api\.utho\.com\/v2\)$/,
    ],
    [
      "credentials in the URL",
      () => new UthoClient({ apiKey: "k", baseUrl: "https://user:pw@api.utho.com/v2" }),
      /^Invalid baseUrl: credentials/,
    ],
    ["zero timeout", () => new UthoClient({ apiKey: "k", timeoutMs: 0 }), /^Invalid timeoutMs: /],
    ["negative retries", () => new UthoClient({ apiKey: "k", maxRetries: -1 }), /^Invalid maxRetries: /],
  ];

  it.each(invalid)("rejects %s with a UthoConfigError naming the option", (_label, make, message) => {
    expect(make).toThrow(UthoConfigError);
    expect(make).toThrow(message);
  });

  it("allows plain http only for loopback hosts", () => {
    for (const baseUrl of ["http://127.0.0.1:1/v2", "http://localhost:1/v2", "http://[::1]:1/v2"]) {
      expect(new UthoClient({ apiKey: "k", baseUrl }).baseUrl).toBe(`${baseUrl}/`);
    }
  });
});

describe("version", () => {
  it("keeps the User-Agent's version in step with package.json", () => {
    const pkg = require("../../package.json") as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });
});
