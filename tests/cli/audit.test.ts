/** `utho-tokens audit`'s findings, from a listing and the tokens stacks hold; and the account it lists. */
import { auditCredentials } from "../../cli/account";
import { auditAccount, failures, formatAudit } from "../../cli/audit";
import { deploymentSchema } from "../../cli/state";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const listing = [
  { id: "1", name: "ci", scope: "write" as const, createdAt: "2026-11-30 12:00:00" },
  { id: "2", name: "grafana", scope: "read" as const, createdAt: "2026-06-01 00:00:00" },
  { id: "3", name: "legacy", scope: "write" as const, createdAt: "2025-01-01 00:00:00" },
  { id: "4", name: "ci", scope: "read" as const, createdAt: "whenever" },
];
const urn = (stack: string, name: string) =>
  `urn:pulumi:${stack}::tokens::pulumi-nodejs:dynamic/utho:ApiToken::${name}`;
const stacks = [
  {
    name: "dev",
    tokens: [
      { urn: urn("dev", "ci"), id: "1", name: "ci", scope: "write" as const, accountId: "41250" },
      { urn: urn("dev", "gone"), id: "9", name: "gone", scope: "read" as const, accountId: "41250" },
    ],
  },
  {
    name: "prod",
    tokens: [
      { urn: urn("prod", "grafana"), id: "2", name: "grafana", scope: "read" as const },
      { urn: urn("prod", "elsewhere"), id: "5", name: "x", scope: "read" as const, accountId: "99999" },
    ],
  },
];
const report = auditAccount(listing, stacks, "41250", {
  staleAfter: "90d",
  staleAfterMs: 90 * DAY,
  now: NOW,
});

describe("auditAccount", () => {
  it("names the stack and resource managing each token, or flags it unmanaged", () => {
    expect(
      report.tokens.map((t) => [t.id, t.managedBy.map((m) => `${m.stack}/${m.resource}`), t.flags]),
    ).toEqual([
      ["1", ["dev/ci"], ["duplicate name"]],
      ["2", ["prod/grafana"], ["stale"]],
      ["3", [], ["unmanaged write", "stale"]],
      ["4", [], ["unmanaged", "duplicate name"]],
    ]);
  });

  it("gives each token's age in whole days, and none for a timestamp it cannot read", () => {
    expect(report.tokens.map((t) => t.ageDays)).toEqual([1, 183, 699, undefined]);
  });

  it("notes tokens of another account and tokens the account no longer lists", () => {
    expect(report.notes).toEqual([
      expect.stringContaining("resource gone holds token 9, which the account does not list"),
      expect.stringMatching(/^stack prod: 1 of its tokens are in another Utho account \(99999\)/),
    ]);
  });
});

describe("failures", () => {
  it("holds one sentence per --fail-on condition met, naming the tokens", () => {
    expect(failures(report, ["unmanaged", "write", "stale"])).toEqual([
      "2 unmanaged tokens (3, 4): --fail-on unmanaged",
      "1 unmanaged Write token (3): --fail-on write",
      "2 stale tokens (2, 3): --fail-on stale",
    ]);
  });

  it("is empty when nothing matches", () => {
    const clean = auditAccount(listing.slice(0, 1), stacks, "41250", {
      staleAfter: "90d",
      staleAfterMs: 90 * DAY,
      now: NOW,
    });
    expect(failures(clean, ["unmanaged", "write", "stale"])).toEqual([]);
  });
});

describe("formatAudit", () => {
  it("prints a table and a summary", () => {
    const text = formatAudit(report);
    expect(text.split("\n").slice(0, 3)).toEqual([
      expect.stringMatching(/^id\s+name\s+scope\s+created at\s+age\s+managed by\s+flags$/),
      expect.stringMatching(/^-+( +-+){6}$/),
      expect.stringMatching(/^1\s+ci\s+write\s+2026-11-30 12:00:00\s+1d\s+dev\/ci\s+duplicate name$/),
    ]);
    expect(text).toContain(
      "4 tokens in Utho account 41250: 2 managed by dev, prod, 2 unmanaged (1 Write), 2 older than 90d, 2 sharing a name.",
    );
  });
});

describe("auditCredentials: the account audit lists", () => {
  const PROVIDER = "pulumi:providers:utho";
  const providerUrn = (name: string) => `urn:pulumi:dev::tokens::${PROVIDER}::${name}`;
  const SIG = "4dabf18193072939515e22adb298388d";
  const encryptedKey = { [SIG]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc:def" };
  /** A state of plugin tokens, one per provider named, the provider's settings as given. */
  const stateOf = (...providers: string[]) =>
    stateWith({ apiKey: encryptedKey, baseUrl: "http://b" }, ...providers);
  const stateWith = (inputs: Record<string, unknown>, ...providers: string[]) =>
    deploymentSchema.parse({
      resources: providers.flatMap((name, i) => [
        {
          urn: providerUrn(name),
          type: PROVIDER,
          id: `p${i}`,
          inputs,
        },
        {
          urn: `urn:pulumi:dev::tokens::utho:index:ApiToken::t${i}`,
          type: "utho:index:ApiToken",
          id: `${i}`,
          provider: `${providerUrn(name)}::p${i}`,
        },
      ]),
    });
  const sources = (config: { apiKey?: string }) => ({
    credentials: async () => config,
    providerSettings: async () =>
      new Map([[providerUrn("a"), { apiKey: "provider-key", baseUrl: "http://b" }]]),
  });
  const saved = { ...process.env };
  beforeEach(() => {
    for (const name of ["UTHO_API_KEY", "UTHO_TOKEN", "UTHO_BASE_URL"]) delete process.env[name];
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it("is the stack config's, else the environment's, as for dynamic tokens", async () => {
    expect(await auditCredentials(sources({ apiKey: "config-key" }), "dev", stateOf("a"))).toEqual({
      apiKey: "config-key",
    });
    process.env.UTHO_API_KEY = "env-key";
    expect(await auditCredentials(sources({}), "dev", stateOf("a"))).toEqual({});
  });

  it("else the one provider of the stack's plugin tokens, its key read from the state; several are refused", async () => {
    expect(await auditCredentials(sources({}), "dev", stateOf("a"))).toEqual({
      apiKey: "provider-key",
      baseUrl: "http://b",
    });
    // A secret base URL beside a key from the environment is read from the state all the same.
    expect(await auditCredentials(sources({}), "dev", stateWith({ baseUrl: encryptedKey }, "a"))).toEqual({
      apiKey: "provider-key",
      baseUrl: "http://b",
    });
    await expect(auditCredentials(sources({}), "dev", stateOf("a", "b"))).rejects.toThrow(
      /Missing Utho credentials: .* The stack's plugin tokens have 2 providers \(.*::a, .*::b\)/,
    );
  });
});
