/**
 * The `utho` provider plugin as the engine runs it: the executable the package ships, spoken to
 * over gRPC. What it shares with the dynamic provider (the operations) is proven elsewhere; here,
 * what only the plugin's shell does: config from `Configure`, secrets kept secret on the wire,
 * the auto-name from the engine's seed, import by id, partial failures, errors without secrets.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { UNKNOWN } from "../../provider/types";
import { DIFF_SOME, type DynamicHost, initFailureOf, ROOT, startUthoPlugin } from "../support/dynamic-host";
import { authenticates, useEmulator } from "../support/emulator";
import { refusingUtho } from "../support/refusing-utho";

const emulator = useEmulator();
const URN = "urn:pulumi:test::project::utho:index:ApiToken::ci";

const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const revealed = (value: unknown) => (value as { value: unknown }).value;

const pluginEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const name of ["UTHO_API_KEY", "UTHO_TOKEN", "UTHO_BASE_URL", "UTHO_SETTLE_WINDOW"]) delete env[name];
  return env;
};

describe("the utho provider plugin over gRPC", () => {
  let plugin: DynamicHost;
  afterEach(() => plugin?.close());

  const start = async (config: Record<string, unknown>) => {
    plugin = await startUthoPlugin(pluginEnv(), ROOT, URN);
    await plugin.configure(config);
    return plugin;
  };

  it("mints, reads, imports and revokes with the provider's config, every secret wrapped as one", async () => {
    const { rootKey, baseUrl } = emulator.current;
    await start({ apiKey: secret(rootKey), baseUrl, settleWindow: "500ms" });

    const checked = await plugin.check({}, { scope: "write" });
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toEqual({
      name: expect.stringMatching(/^ci-[0-9a-f]{16}$/),
      scope: "write",
      namePrefix: "ci",
      autoNamed: true,
    });

    const created = await plugin.create(checked.inputs);
    const [live] = emulator.current.listTokens();
    expect(created.id).toBe(live?.id);
    expect(created.properties).toMatchObject({ name: live?.name, scope: "write", tokenId: live?.id });
    const token = revealed(created.properties.token) as string;
    expect(created.properties.token).toEqual(secret(token));
    expect(await authenticates(emulator.current, token)).toBe(true);

    expect(await plugin.read(created.id, created.properties)).toEqual(created);
    expect(await plugin.diff(created.id, created.properties, { ...checked.inputs, scope: "read" })).toEqual({
      changes: DIFF_SOME,
      replaces: ["scope"],
    });

    // An import: no properties, only the id; no secret, for Utho never shows it again.
    const imported = await plugin.read(created.id, {});
    expect(imported).toEqual({
      id: created.id,
      properties: {
        name: live?.name,
        scope: "write",
        createdAt: live?.createdAt,
        tokenId: live?.id,
        accountId: created.properties.accountId,
      },
    });

    await plugin.delete(created.id, created.properties);
    expect(emulator.current.listTokens()).toEqual([]);
    expect(plugin.output()).not.toContain(token);
    expect(plugin.output()).not.toContain(rootKey);
  }, 30_000);

  it("keeps a secret input secret in the checked inputs, and a connection always", async () => {
    const { rootKey, baseUrl } = emulator.current;
    await start({ settleWindow: "500ms" });
    const checked = await plugin.check(
      {},
      { name: "given", scope: "read", rotation: secret("q1"), connection: { apiKey: rootKey, baseUrl } },
    );
    expect(checked.inputs).toMatchObject({
      rotation: secret("q1"),
      connection: secret({ apiKey: rootKey, baseUrl }),
    });
  }, 30_000);

  it("answers an import of an id Utho does not have with no resource", async () => {
    await start({
      apiKey: emulator.current.rootKey,
      baseUrl: emulator.current.baseUrl,
      settleWindow: "200ms",
    });
    expect(await plugin.read("999999", {})).toEqual({ id: "", properties: {} });
  }, 30_000);

  it("refuses bad input at check naming the field, and a bad provider setting naming the key", async () => {
    await start({ baseUrl: "ftp://example.com", settleWindow: "soon" });
    const checked = await plugin.check({}, { scope: "admin", name: "" });
    expect(checked.failures).toEqual([
      { property: "name", reason: "name: must not be empty or only whitespace" },
      { property: "scope", reason: 'scope: must be "read" or "write"' },
    ]);
    const config = await plugin.checkConfig({ baseUrl: "ftp://example.com", settleWindow: "soon" });
    expect(config.failures.map((failure) => failure.reason)).toEqual([
      expect.stringMatching(/^utho:baseUrl: /),
      expect.stringMatching(/^utho:settleWindow: "soon" is not a duration/),
    ]);
    expect(emulator.current.requests).toEqual([]);
  }, 30_000);

  it("keeps the provider's API key a secret in its checked settings, even given in plain text", async () => {
    await start({});
    const { inputs, failures } = await plugin.checkConfig({
      apiKey: "k".repeat(40),
      baseUrl: "http://127.0.0.1:1/v2",
    });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({ apiKey: secret("k".repeat(40)), baseUrl: "http://127.0.0.1:1/v2" });
    // A setting computed from another resource is unknown at preview: checked once known.
    const unknown = await plugin.checkConfig({ baseUrl: UNKNOWN, settleWindow: UNKNOWN });
    expect(unknown.failures).toEqual([]);
  }, 30_000);

  it("returns a create that fails after the mint as a partial failure, its secret still secret", async () => {
    const utho = await refusingUtho();
    try {
      await start({ apiKey: utho.current.rootKey, baseUrl: utho.current.baseUrl, settleWindow: "300ms" });
      const checked = await plugin.check({}, { scope: "read" });
      const error = await plugin.create(checked.inputs).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      const [live] = utho.current.listTokens();
      const failed = initFailureOf(error);
      expect(failed).toMatchObject({ id: live?.id, properties: { tokenId: live?.id, unverified: true } });
      const token = revealed(failed?.properties.token) as string;
      expect(failed?.properties.token).toEqual(secret(token));
      expect(utho.current.tokenIdOf(token)).toBe(live?.id);
      expect(String((error as Error).message)).not.toContain(token);
      expect(plugin.output()).not.toContain(token);
    } finally {
      await utho.close();
    }
  }, 60_000);
});
