/**
 * The serialized provider executed by Pulumi's own dynamic-provider host over gRPC: configure
 * with stack config, check, create, read, diff, delete, as the engine would call them.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { startEmulator } from "../../emulator";
import { UNKNOWN } from "../../provider/types";
import { DIFF_SOME, type DynamicHost, initFailureOf, ROOT, startDynamicHost } from "../support/dynamic-host";
import { authenticates, useEmulator } from "../support/emulator";
import { refusingUtho } from "../support/refusing-utho";

const emulator = useEmulator();

function serializedProvider(): string {
  const out = execFileSync(
    process.execPath,
    [path.join(ROOT, "tests/support/serialize-provider.js"), path.join(ROOT, "dist")],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  return (JSON.parse(out) as { provider: string }).provider;
}

const hostEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.UTHO_API_KEY;
  delete env.UTHO_TOKEN;
  delete env.UTHO_BASE_URL;
  return env;
};

describe("the serialized provider in Pulumi's dynamic-provider host", () => {
  const __provider = serializedProvider();
  let host: DynamicHost;
  afterEach(() => host?.close());

  it("runs the whole life cycle with credentials from configure()", async () => {
    host = await startDynamicHost(hostEnv(), ROOT);
    await host.configure({
      "utho:apiKey": emulator.current.rootKey,
      "utho:baseUrl": emulator.current.baseUrl,
    });

    const checked = await host.check({}, { __provider, namePrefix: "grpc-token", scope: "write" });
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({
      name: expect.stringMatching(/^grpc-token-[0-9a-f]{16}$/),
      scope: "write",
    });

    const created = await host.create(checked.inputs);
    const [token] = emulator.current.listTokens();
    expect(created.id).toBe(token?.id);
    expect(created.properties).toMatchObject({
      name: token?.name,
      scope: "write",
      token: expect.any(String),
    });
    expect(created.properties.__provider).toBe(__provider);

    const read = await host.read(created.id, created.properties);
    expect(read).toEqual(created);

    const diff = await host.diff(created.id, created.properties, { ...checked.inputs, scope: "read" });
    expect(diff).toEqual({ changes: DIFF_SOME, replaces: ["scope"] });

    await host.delete(created.id, created.properties);
    expect(emulator.current.listTokens()).toEqual([]);

    const secret = created.properties.token as string;
    expect(host.output()).not.toContain(secret);
    expect(host.output()).not.toContain(emulator.current.rootKey);
  }, 30_000);

  it("returns a create that fails after the mint as a partial failure: the engine gets the token's id and outputs", async () => {
    const utho = await refusingUtho();
    try {
      host = await startDynamicHost(hostEnv(), ROOT);
      await host.configure({ "utho:apiKey": utho.current.rootKey, "utho:baseUrl": utho.current.baseUrl });
      const checked = await host.check({}, { __provider, namePrefix: "grpc-token", scope: "write" });
      const error = await host.create(checked.inputs).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      const [live] = utho.current.listTokens();
      const failed = initFailureOf(error);
      expect(failed).toMatchObject({
        id: live?.id,
        reasons: [expect.stringMatching(`^Token "${live?.name}" \\(id ${live?.id}\\) was minted, but`)],
      });
      // Every output the resource holds, with the serialized provider its read and delete run.
      expect(failed?.properties).toMatchObject({
        __provider,
        name: live?.name,
        tokenId: live?.id,
        token: expect.any(String),
        unverified: true,
      });
      const secret = failed?.properties.token as string;
      expect(utho.current.tokenIdOf(secret)).toBe(live?.id);
      expect(host.output()).not.toContain(secret);

      // The next `up`: the engine calls update with the recorded outputs, and it finishes.
      const recovered = await utho.recover();
      const olds = failed?.properties ?? {};
      const updated = await host.update(live?.id as string, olds, checked.inputs);
      expect(updated.properties).toMatchObject({ __provider, tokenId: live?.id, token: secret });
      expect(updated.properties.unverified).toBeUndefined();
      expect(recovered.listTokens().map((t) => t.id)).toEqual([live?.id]);
      expect(await authenticates(recovered, secret)).toBe(true);
    } finally {
      await utho.close();
    }
  }, 60_000);

  it("reports check failures naming the property", async () => {
    host = await startDynamicHost(hostEnv(), ROOT);
    await host.configure({});
    const checked = await host.check({}, { __provider, namePrefix: "x", scope: "admin", name: "" });
    expect(checked.failures).toEqual([
      { property: "name", reason: "name: must not be empty or only whitespace" },
      { property: "scope", reason: 'scope: must be "read" or "write"' },
    ]);
  }, 30_000);

  it("refuses a malformed utho:settleWindow at preview, naming the setting and the rule", async () => {
    host = await startDynamicHost(hostEnv(), ROOT);
    await host.configure({ "utho:apiKey": emulator.current.rootKey, "utho:settleWindow": "7.75" });
    const checked = await host.check({}, { __provider, namePrefix: "settle" });
    expect(checked.failures).toEqual([
      {
        property: "",
        reason: expect.stringMatching(
          /^utho:settleWindow: "7\.75" is not a duration: write a number and a unit/,
        ),
      },
    ]);
    const props = { __provider, name: "settle", scope: "read", createdAt: "2026-11-23 10:00:00" };
    await expect(host.read("1", props)).rejects.toThrow(/utho:settleWindow: "7\.75" is not a duration/);
    expect(emulator.current.countRequests()).toBe(0);
  }, 30_000);

  it("waits out the settle window utho:settleWindow sets", async () => {
    // Every new secret refused for an hour: verification fails after one settle window.
    const refusing = await startEmulator({ propagationMs: 3_600_000 });
    try {
      host = await startDynamicHost(hostEnv(), ROOT);
      await host.configure({
        "utho:apiKey": refusing.rootKey,
        "utho:baseUrl": refusing.baseUrl,
        "utho:settleWindow": "300ms",
      });
      const checked = await host.check({}, { __provider, namePrefix: "settle" });
      expect(checked.failures).toEqual([]);
      await expect(host.create(checked.inputs)).rejects.toThrow(
        /its secret did not authenticate within 0\.3 s .*so it was revoked/,
      );
      expect(refusing.listTokens()).toEqual([]);
    } finally {
      await refusing.close();
    }
  }, 30_000);

  it("previews inputs that are still unknown, and a new resource's auto-name as unknown", async () => {
    host = await startDynamicHost(hostEnv(), ROOT);
    await host.configure({});
    const unknowns = ["rotation", "keepers", "rotateAfter", "overlap", "expiresAt", "verify", "onMissing"];
    const preview = await host.check(
      {},
      {
        __provider,
        namePrefix: "later",
        previewing: true,
        ...Object.fromEntries(unknowns.map((k) => [k, UNKNOWN])),
      },
    );
    expect(preview.failures).toEqual([]);
    expect(preview.inputs).toMatchObject({
      name: UNKNOWN,
      autoNamed: true,
      rotateAfter: UNKNOWN,
      keepers: UNKNOWN,
    });
    expect(preview.inputs).not.toHaveProperty("previewing");
    // The `up` knows every value and draws the name.
    const up = await host.check({}, { __provider, namePrefix: "later", rotateAfter: "30d", overlap: "7d" });
    expect(up.failures).toEqual([]);
    expect(up.inputs.name).toMatch(/^later-[0-9a-f]{16}$/);
    expect(emulator.current.countRequests()).toBe(0);
  }, 30_000);

  it("refuses a malformed UTHO_TOKENS_NOW in every operation, before any request", async () => {
    host = await startDynamicHost({ ...hostEnv(), UTHO_TOKENS_NOW: "2027-01-01 00:00" }, ROOT);
    await host.configure({
      "utho:apiKey": emulator.current.rootKey,
      "utho:baseUrl": emulator.current.baseUrl,
    });
    const rule = /UTHO_TOKENS_NOW: "2027-01-01 00:00" is not an ISO 8601 instant with a time zone/;
    await expect(host.check({}, { __provider, namePrefix: "clock" })).rejects.toThrow(rule);
    const props = { __provider, name: "clock", scope: "read", createdAt: "2026-11-23 10:00:00" };
    await expect(host.read("1", props)).rejects.toThrow(rule);
    await expect(host.delete("1", props)).rejects.toThrow(rule);
    expect(emulator.current.countRequests()).toBe(0);
  }, 30_000);

  it("warns once per run while UTHO_TOKENS_NOW sets the provider's clock", async () => {
    host = await startDynamicHost({ ...hostEnv(), UTHO_TOKENS_NOW: "2027-01-01T00:00:00Z" }, ROOT);
    await host.configure({});
    await host.check({}, { __provider, namePrefix: "clock" });
    await host.check({}, { __provider, namePrefix: "clock" });
    const warnings = host
      .output()
      .match(/UTHO_TOKENS_NOW is set: the provider's clock says 2027-01-01T00:00:00.000Z/g);
    expect(warnings).toHaveLength(1);
  }, 30_000);

  it("without credentials, create fails with the documented message and mints nothing", async () => {
    host = await startDynamicHost(hostEnv(), ROOT);
    await host.configure({});
    const checked = await host.check({}, { __provider, namePrefix: "nocreds" });
    await expect(host.create(checked.inputs)).rejects.toThrow(
      /Missing Utho credentials .*utho:apiKey.*UTHO_API_KEY/,
    );
    expect(emulator.current.countRequests()).toBe(0);
  }, 30_000);
});
