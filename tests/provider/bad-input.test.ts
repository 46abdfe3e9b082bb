/**
 * The bad-input rows (docs/bad-input.json, the table of docs/reference.md), one by one,
 * through Pulumi's own dynamic-provider host over gRPC against a request-counting emulator: every row's error names its field and rule, a row
 * refused at preview costs no request, and no token is created. ApiToken args go to `check`,
 * as at `pulumi preview`; provider settings wrong on their face fail `check` too, and the other
 * bad credentials pass it and fail the first create, as at `pulumi up`.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { AT_PREVIEW, type BadInputRow, badInputRows, substitute } from "../support/bad-input-table";
import { type DynamicHost, ROOT, startDynamicHost } from "../support/dynamic-host";

const rows = badInputRows();
if (rows.length < 30) throw new Error(`docs/bad-input.json has ${rows.length} rows; at least 30 expected`);
const checkRows = rows.filter((row) => row.kind === "check");
const configRows = rows.filter((row) => row.kind === "config");
const cases = (list: BadInputRow[]) => list.map((row) => [row.number, row.input, row] as const);

/** What the ApiToken class adds to the args it is given. */
const NAME_PREFIX = "bad-input";

function serializedProvider(): string {
  const out = execFileSync(
    process.execPath,
    [path.join(ROOT, "tests/support/serialize-provider.js"), path.join(ROOT, "dist")],
    { cwd: ROOT, encoding: "utf8" },
  );
  return (JSON.parse(out) as { provider: string }).provider;
}

/** The test's environment without credentials: the provider sees only what a row configures. */
function hostEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ["UTHO_API_KEY", "UTHO_TOKEN", "UTHO_BASE_URL"]) delete env[name];
  return env;
}

const __provider = serializedProvider();
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator?.close());

it(`reads at least 30 rows from docs/bad-input.json, ${checkRows.length} refused at preview`, () => {
  expect(rows.length).toBeGreaterThanOrEqual(30);
  expect(checkRows.length).toBeGreaterThanOrEqual(30);
  expect(configRows.length).toBeGreaterThan(0);
});

describe("ApiToken args, refused by check at preview", () => {
  let host: DynamicHost;
  // Starting the host (a Node process loading @pulumi/pulumi) takes 1.5 s on an idle machine.
  beforeAll(async () => {
    host = await startDynamicHost(hostEnv(), ROOT);
    await host.configure({ "utho:apiKey": emulator.rootKey, "utho:baseUrl": emulator.baseUrl });
  }, 30_000);
  afterAll(() => host?.close());
  beforeEach(() => emulator.resetRequests());

  it("accepts a good input in the same host, a name of 64 emoji included", async () => {
    const name = "😀".repeat(64);
    const checked = await host.check(
      {},
      { __provider, namePrefix: NAME_PREFIX, name, rotation: "😀".repeat(256) },
    );
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ name, scope: "read" });
    expect(emulator.countRequests()).toBe(0);
  });

  it.each(cases(checkRows))("row %i, %s", async (_number, _input, row) => {
    expect(row.when).toBe(AT_PREVIEW);
    const { failures } = await host.check({}, { __provider, namePrefix: NAME_PREFIX, ...row.value });
    expect(failures.length).toBeGreaterThan(0);
    const named = failures.find((failure) => failure.reason.includes(row.errorNames));
    if (!named)
      throw new Error(`no failure contains ${JSON.stringify(row.errorNames)}: ${JSON.stringify(failures)}`);
    // The failure is reported on the field its message names.
    expect(named.property).not.toBe("");
    expect(row.errorNames).toContain(named.property);
    expect(emulator.countRequests()).toBe(0);
    expect(emulator.listTokens()).toEqual([]);
  });
});

describe("bad provider credentials: refused by check, or by the first create, which mints nothing", () => {
  let fixtures: ReturnType<RunningEmulator["listTokens"]>;
  let placeholders: Record<string, string>;
  beforeAll(() => {
    const revoked = emulator.createTokenOutOfBand("bad-input-revoked", "write");
    emulator.deleteTokenOutOfBand(revoked.id);
    const readOnly = emulator.createTokenOutOfBand("bad-input-read-only", "read");
    fixtures = emulator.listTokens();
    placeholders = {
      "<emulator>": emulator.baseUrl,
      "<root key>": emulator.rootKey,
      "<revoked key>": revoked.secret,
      "<unknown key>": "f".repeat(64),
      "<read-only key>": readOnly.secret,
    };
  });

  it.each(cases(configRows))(
    "row %i, %s",
    async (_number, _input, row) => {
      const config = substitute(row.value, placeholders) as Record<string, string>;
      const host = await startDynamicHost(hostEnv(), ROOT);
      try {
        await host.configure(config);
        emulator.resetRequests();
        const checked = await host.check({}, { __provider, namePrefix: NAME_PREFIX });
        expect(emulator.countRequests()).toBe(0);
        if (row.when === AT_PREVIEW) {
          expect(checked.failures.map((f) => f.reason)).toEqual([expect.stringContaining(row.errorNames)]);
          expect(emulator.listTokens()).toEqual(fixtures);
          return;
        }
        expect(checked.failures).toEqual([]);

        await expect(host.create(checked.inputs)).rejects.toThrow(row.errorNames);
        if (row.when.includes("no request")) expect(emulator.countRequests()).toBe(0);
        expect(emulator.requests.filter((r) => r.method === "POST" && r.status === 200)).toEqual([]);
        expect(emulator.listTokens()).toEqual(fixtures);
        // No secret of the configuration reaches the host's output.
        for (const secret of [emulator.rootKey, placeholders["<read-only key>"] ?? ""]) {
          expect(host.output()).not.toContain(secret);
        }
      } finally {
        host.close();
      }
    },
    30_000,
  );
});
