/**
 * The engine's entry point (`provider/operations.ts`): credentials from `configure()` or the
 * environment, and the guard against inputs still unknown at create.
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
