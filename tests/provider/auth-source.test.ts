/**
 * A key Utho refuses is named by where it came from (a resource's `connection.apiKey`, the
 * stack's `utho:apiKey`, UTHO_API_KEY or UTHO_TOKEN), never by its value: with several keys in
 * play, the message says which one to fix.
 */
import { inspect } from "node:util";
import * as operations from "../../provider/operations";
import type { CheckedInputs } from "../../provider/types";
import { UthoAuthError, UthoClient } from "../../sdk";
import { useEmulator } from "../support/emulator";

const emulator = useEmulator();
// Auto-named, so a create takes one listing (an explicit name waits out a settle window).
const inputs: CheckedInputs = { name: "ci-deployer-1a2b3c4d", scope: "write", autoNamed: true };
const WRONG_KEY = "wrong-key-nobody-issued-0001";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function configure(settings: Record<string, string | undefined>): void {
  delete process.env.UTHO_API_KEY;
  delete process.env.UTHO_TOKEN;
  delete process.env.UTHO_BASE_URL;
  operations.configure({ get: (key) => settings[key] });
}

/** No stack config but the base URL: the key comes from `variables`. */
function fromEnvironment(variables: Record<string, string>): CheckedInputs {
  configure({ "utho:baseUrl": emulator.current.baseUrl });
  Object.assign(process.env, variables);
  return inputs;
}

/** The failure of a create, with every text a user or a log could see of it. */
async function failedCreate(resource: CheckedInputs): Promise<{ error: Error; texts: string[] }> {
  const error = (await operations.create(resource).then(
    () => {
      throw new Error("the create succeeded");
    },
    (e: unknown) => e,
  )) as Error;
  const texts = [error.message, error.stack ?? "", inspect(error, { depth: 10 })];
  return { error, texts };
}

it.each([
  [
    "a resource's connection.apiKey",
    () => {
      configure({ "utho:apiKey": emulator.current.rootKey, "utho:baseUrl": emulator.current.baseUrl });
      return { ...inputs, connection: { apiKey: WRONG_KEY } };
    },
    "the resource's connection.apiKey",
  ],
  [
    "the stack's utho:apiKey",
    () => {
      configure({ "utho:apiKey": WRONG_KEY, "utho:baseUrl": emulator.current.baseUrl });
      return inputs;
    },
    "the stack's utho:apiKey",
  ],
  // UTHO_API_KEY is taken before UTHO_TOKEN: a good UTHO_TOKEN beside it changes nothing.
  [
    "UTHO_API_KEY",
    () => fromEnvironment({ UTHO_API_KEY: WRONG_KEY, UTHO_TOKEN: emulator.current.rootKey }),
    "UTHO_API_KEY",
  ],
  ["UTHO_TOKEN", () => fromEnvironment({ UTHO_TOKEN: WRONG_KEY }), "UTHO_TOKEN"],
])("a refused key from %s is named by its source, never shown", async (_label, arrange, source) => {
  const { error, texts } = await failedCreate(arrange());
  const auth = error instanceof UthoAuthError ? error : (error.cause as Error);
  expect(auth).toBeInstanceOf(UthoAuthError);
  expect(auth).toMatchObject({ status: 401, apiKeySource: source });
  expect(error.message).toContain(`HTTP 401 for the API key from ${source}`);
  for (const text of texts) expect(text).not.toContain(WRONG_KEY);
  expect(emulator.current.listTokens()).toEqual([]);
});

describe("the SDK alone", () => {
  it("names the apiKey option, or the environment variable the key was read from", async () => {
    const given = new UthoClient({ apiKey: WRONG_KEY, baseUrl: emulator.current.baseUrl, maxRetries: 0 });
    await expect(given.account.info()).rejects.toMatchObject({
      message: expect.stringContaining("HTTP 401 for the API key from the apiKey option"),
    });
    delete process.env.UTHO_API_KEY;
    process.env.UTHO_TOKEN = WRONG_KEY;
    const fromEnvironment = new UthoClient({ baseUrl: emulator.current.baseUrl, maxRetries: 0 });
    await expect(fromEnvironment.account.info()).rejects.toMatchObject({
      apiKeySource: "UTHO_TOKEN",
      message: expect.stringContaining("for the API key from UTHO_TOKEN"),
    });
    // A client made for another key by withOptions does not name where its parent's came from.
    const named = new UthoClient({
      apiKey: emulator.current.rootKey,
      apiKeySource: "the vault",
      baseUrl: emulator.current.baseUrl,
    });
    await expect(named.withOptions({ apiKey: WRONG_KEY }).account.info()).rejects.toMatchObject({
      apiKeySource: "the apiKey option",
    });
    await Promise.all([given.close(), fromEnvironment.close(), named.close()]);
  });
});
