import { inspect } from "node:util";
import { startEmulator } from "../../emulator";
import { MISSING_CREDENTIALS_MESSAGE } from "../../provider/credentials";
import * as operations from "../../provider/operations";
import type { ApiTokenInputs } from "../../provider/types";
import { authenticates as authenticatesTo, useEmulator } from "../support/emulator";
import { configureProvider } from "../support/provider";

const emulator = useEmulator({ retryAfterSeconds: 0 });
beforeEach(() => configureProvider(emulator.current));

const inputs: ApiTokenInputs = { name: "ci-deployer", scope: "write" };
// The settle window with millisecond waits: as many listings as the real one.
const SETTLE = [1, 1, 1, 1, 1];

const authenticates = (secret: string | undefined) => authenticatesTo(emulator.current, secret);

describe("create", () => {
  it("mints a token and returns its id, secret and metadata", async () => {
    const { id, outs } = await operations.create(inputs);
    expect(emulator.current.listTokens()).toEqual([
      { id, name: "ci-deployer", scope: "write", createdAt: outs.createdAt },
    ]);
    expect(outs).toEqual({
      accountId: "41250",
      name: "ci-deployer",
      scope: "write",
      createdAt: expect.stringMatching(/^\d{4}-/),
      token: expect.any(String),
    });
    expect(await authenticates(outs.token)).toBe(true);
  });

  it("keeps auto-naming facts in the outputs", async () => {
    const { outs } = await operations.create({ ...inputs, namePrefix: "ci", autoNamed: true });
    expect(outs).toMatchObject({ namePrefix: "ci", autoNamed: true });
  });
});

describe("read (refresh)", () => {
  it("carries the secret over and refreshes what Utho reports", async () => {
    const { id, outs } = await operations.create(inputs);
    const read = await operations.read(id, { ...outs, createdAt: "stale" });
    expect(read).toEqual({ id, props: outs });
  });

  it("reports a token deleted out of band as gone (empty id), after the settle window", async () => {
    const { id, outs } = await operations.create(inputs);
    emulator.current.deleteTokenOutOfBand(id);
    expect((await operations.read(id, outs, SETTLE)).id).toBe("");
    expect(emulator.current.countRequests("GET", "/v2/api")).toBe(2 + SETTLE.length + 1);
  });

  it("does not take a lagging list for a deletion", async () => {
    const { id, outs } = await operations.create(inputs);
    emulator.current.injectFault({ kind: "stale-list", method: "GET", times: 2 });
    expect(await operations.read(id, outs, SETTLE)).toEqual({ id, props: outs });
  });

  it("treats a 401 as an error, never as a deletion", async () => {
    const { id, outs } = await operations.create(inputs);
    configureProvider(emulator.current, { "utho:apiKey": "revoked-or-wrong-key" });
    await expect(operations.read(id, outs)).rejects.toMatchObject({ code: "UTHO_AUTH", status: 401 });
  });

  it("treats a persistent 5xx as an error, never as a deletion", async () => {
    const { id, outs } = await operations.create(inputs);
    emulator.current.injectFault({ kind: "503", method: "GET", times: Number.POSITIVE_INFINITY });
    await expect(operations.read(id, outs)).rejects.toMatchObject({ status: 503 });
  });
});

describe("another account's key", () => {
  it("makes refresh and delete fail instead of dropping or orphaning the token", async () => {
    const { id, outs } = await operations.create(inputs);
    const other = await startEmulator({ accountId: "99999" });
    try {
      configureProvider(other);
      const expected = `token ${id}: it belongs to Utho account 41250, but the provider's API key is for account 99999`;
      await expect(operations.read(id, outs, SETTLE)).rejects.toThrow(`Cannot refresh ${expected}`);
      await expect(operations.remove(id, outs)).rejects.toThrow(`Cannot delete ${expected}`);
      expect(other.countRequests("GET", "/v2/api")).toBe(0);
      expect(emulator.current.listTokens()).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe("delete", () => {
  it("revokes the token", async () => {
    const { id, outs } = await operations.create(inputs);
    await operations.remove(id, outs);
    expect(emulator.current.listTokens()).toEqual([]);
    expect(await authenticates(outs.token)).toBe(false);
  });

  it("counts an already deleted token as deleted", async () => {
    const { id, outs } = await operations.create(inputs);
    emulator.current.deleteTokenOutOfBand(id);
    await expect(operations.remove(id, outs)).resolves.toBeUndefined();
  });

  it("does not count a 404 as deleted when the token is still listed (a wrong base URL)", async () => {
    const { id, outs } = await operations.create(inputs);
    // Every path under this prefix is unknown to the emulator, so it answers 404 to all of them.
    configureProvider(emulator.current, { "utho:baseUrl": `${emulator.current.baseUrl}/wrong` });
    await expect(operations.remove(id, outs)).rejects.toMatchObject({ code: "UTHO_NOT_FOUND" });
    expect(emulator.current.listTokens()).toHaveLength(1);
  });

  it("throws when Utho keeps failing, so the token stays in state", async () => {
    const { id, outs } = await operations.create(inputs);
    emulator.current.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
    await expect(operations.remove(id, outs)).rejects.toMatchObject({ status: 500 });
    expect(emulator.current.listTokens()).toHaveLength(1);
  });
});

describe("adopt", () => {
  it("adopts a hand-made token by id without minting, verifying its secret", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "read");
    const { id, outs } = await operations.create({
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
    const { id, outs } = await operations.create({ name: "hand-made", scope: "write", adopt: {} });
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
    await expect(operations.create(make())).rejects.toThrow(message);
    expect(emulator.current.countRequests("POST")).toBe(0);
  });

  it("refuses a secret that does not authenticate, without echoing it", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "read");
    const wrong = "wrong-secret-0123456789-ABCDEFGHIJKLMNOP-qrstuvwxyz";
    const error = await operations
      .create({ name: "hand-made", scope: "read", adopt: { id: made.id, token: wrong } })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^adopt\.token: the supplied secret does not authenticate/);
    expect(inspect(error, { depth: 10 })).not.toContain(wrong);
  });

  it("refuses the provider's own API key as the adopted token's secret", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "read");
    await expect(
      operations.create({
        name: "hand-made",
        scope: "read",
        adopt: { id: made.id, token: emulator.current.rootKey },
      }),
    ).rejects.toThrow("adopt.token: this is the provider's own API key, not the adopted token's secret");
  });

  it("update takes a secret supplied later, verified, and returns every output", async () => {
    const made = emulator.current.createTokenOutOfBand("hand-made", "read");
    const { id, outs } = await operations.create({
      name: "hand-made",
      scope: "read",
      adopt: { id: made.id },
    });
    const updated = await operations.update(id, outs, {
      name: "hand-made",
      scope: "read",
      adopt: { id: made.id, token: made.secret },
    });
    expect(updated.outs).toEqual({ ...outs, token: made.secret });
  });
});

describe("credentials", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("falls back to UTHO_API_KEY and UTHO_BASE_URL when the stack config has none", async () => {
    operations.configure({ get: () => undefined });
    process.env.UTHO_API_KEY = emulator.current.rootKey;
    process.env.UTHO_BASE_URL = emulator.current.baseUrl;
    await expect(operations.create(inputs)).resolves.toMatchObject({ id: expect.any(String) });
  });

  it("without credentials, fails at the first operation with one message naming both ways", async () => {
    operations.configure({ get: () => undefined });
    delete process.env.UTHO_API_KEY;
    delete process.env.UTHO_TOKEN;
    await expect(operations.create(inputs)).rejects.toThrow(MISSING_CREDENTIALS_MESSAGE);
    expect(MISSING_CREDENTIALS_MESSAGE).toMatch(/utho:apiKey/);
    expect(MISSING_CREDENTIALS_MESSAGE).toMatch(/UTHO_API_KEY/);
    expect(emulator.current.countRequests()).toBe(0);
  });
});
