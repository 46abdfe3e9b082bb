/**
 * The serialized provider executed by Pulumi's own dynamic-provider host over gRPC: configure
 * with stack config, check, create, read, diff, delete, as the engine would call them.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { UNKNOWN } from "../../provider/types";
import { DIFF_SOME, type DynamicHost, ROOT, startDynamicHost } from "../support/dynamic-host";
import { useEmulator } from "../support/emulator";

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

  it("reports check failures naming the property", async () => {
    host = await startDynamicHost(hostEnv(), ROOT);
    await host.configure({});
    const checked = await host.check({}, { __provider, namePrefix: "x", scope: "admin", name: "" });
    expect(checked.failures).toEqual([
      { property: "name", reason: "name: must not be empty or only whitespace" },
      { property: "scope", reason: 'scope: must be "read" or "write"' },
    ]);
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
