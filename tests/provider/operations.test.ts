/**
 * The engine's entry point (`provider/operations.ts`): credentials from `configure()` or the
 * environment, the guard against inputs still unknown at create, and what `diff` says of work
 * due with time.
 */
import { MISSING_CREDENTIALS_MESSAGE } from "../../provider/configured";
import * as operations from "../../provider/operations";
import { type CheckedInputs, UNKNOWN } from "../../provider/types";
import { useEmulator } from "../support/emulator";

const emulator = useEmulator();
// Auto-named, so a create takes one listing (an explicit name waits out a settle window).
const inputs: CheckedInputs = { name: "ci-deployer-1a2b3c4d", scope: "write", autoNamed: true };

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("credentials", () => {
  it("come from the stack config that configure() receives", async () => {
    const config: Record<string, string> = {
      "utho:apiKey": emulator.current.rootKey,
      "utho:baseUrl": emulator.current.baseUrl,
    };
    operations.configure({ get: (key) => config[key] });
    delete process.env.UTHO_API_KEY;
    await expect(operations.create(inputs)).resolves.toMatchObject({ id: expect.any(String) });
    expect(emulator.current.listTokens()).toHaveLength(1);
  });

  it("fall back to UTHO_API_KEY and UTHO_BASE_URL when the stack config has none", async () => {
    operations.configure({ get: () => undefined });
    process.env.UTHO_API_KEY = emulator.current.rootKey;
    process.env.UTHO_BASE_URL = emulator.current.baseUrl;
    await expect(operations.create(inputs)).resolves.toMatchObject({ id: expect.any(String) });
  });

  it("missing, fail the first operation with one message naming both ways", async () => {
    operations.configure({ get: () => undefined });
    delete process.env.UTHO_API_KEY;
    delete process.env.UTHO_TOKEN;
    await expect(operations.create(inputs)).rejects.toMatchObject({
      code: "UTHO_CONFIG",
      message: MISSING_CREDENTIALS_MESSAGE,
    });
    expect(MISSING_CREDENTIALS_MESSAGE).toMatch(/utho:apiKey/);
    expect(MISSING_CREDENTIALS_MESSAGE).toMatch(/UTHO_API_KEY/);
    expect(emulator.current.countRequests()).toBe(0);
  });
});

describe("the settle window", () => {
  const explicit = { name: "ci-deployer", scope: "write" } as const;

  it("falls back to UTHO_SETTLE_WINDOW, which check names when it is malformed", () => {
    process.env.UTHO_SETTLE_WINDOW = "2";
    operations.configure({ get: () => undefined });
    expect(operations.check({}, explicit).failures).toEqual([
      { property: "", reason: expect.stringMatching(/^UTHO_SETTLE_WINDOW: "2" is not a duration/) },
    ]);
  });

  it("takes utho:settleWindow over UTHO_SETTLE_WINDOW", () => {
    process.env.UTHO_SETTLE_WINDOW = "2";
    operations.configure({ get: (key) => (key === "utho:settleWindow" ? "250ms" : undefined) });
    expect(operations.check({}, explicit).failures).toBeUndefined();
  });
});

it("refuses to create with an input still unknown, before any request", async () => {
  operations.configure({ get: () => undefined });
  process.env.UTHO_API_KEY = emulator.current.rootKey;
  process.env.UTHO_BASE_URL = emulator.current.baseUrl;
  await expect(operations.create({ ...inputs, scope: UNKNOWN })).rejects.toMatchObject({
    code: "UTHO_PROVIDER",
    message: expect.stringMatching(/still unknown/),
  });
  expect(emulator.current.countRequests()).toBe(0);
});

describe("check", () => {
  it("marks a passed expiresAt in the inputs, so the preview of the update that revokes shows a property", () => {
    const news = { namePrefix: "ci", expiresAt: "2027-03-01T00:00:00Z" };
    const olds = { name: "ci-1a2b3c4d", scope: "read" as const, autoNamed: true, expiresAt: news.expiresAt };
    process.env.UTHO_TOKENS_NOW = "2027-02-28T23:59:59Z";
    expect(operations.check(olds, news).inputs?.expired).toBeUndefined();
    process.env.UTHO_TOKENS_NOW = "2027-03-01T00:00:00Z";
    expect(operations.check(olds, news).inputs).toMatchObject({ expired: true, expiresAt: news.expiresAt });
  });
});

describe("diff", () => {
  it("says on stderr, once per process, why a resource updates for work due with time", () => {
    process.env.UTHO_TOKENS_NOW = "2027-03-02T00:00:00Z";
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const olds = {
        name: "ci",
        scope: "read" as const,
        createdAt: "2026-12-01 00:00:00",
        rotateAfter: "90d",
      };
      const news = { name: "ci", scope: "read" as const, rotateAfter: "90d", overlap: "7d" };
      // A run with --refresh asks twice: the refresh shows the diff as drift, then the update.
      expect(operations.diff("12", olds, news)).toMatchObject({ changes: true, replaces: [] });
      expect(operations.diff("12", olds, news)).toMatchObject({ changes: true, replaces: [] });
      expect(written).toEqual([
        'utho:ApiToken: "ci" (token 12): rotateAfter "90d" made it due at 2027-03-01T00:00:00.000Z; `pulumi up` ' +
          'mints a new token and keeps token 12 valid for "7d" more (an update)\n',
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});
