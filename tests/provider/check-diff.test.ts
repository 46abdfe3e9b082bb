import { checkInputs } from "../../provider/check";
import { diffToken } from "../../provider/diff";
import type { ApiTokenOutputs } from "../../provider/types";
import { UNKNOWN } from "../../provider/types";
import { tokenNameSchema } from "../../sdk";

describe("check", () => {
  it("defaults scope to read and auto-names from the resource name", () => {
    const { inputs, failures } = checkInputs({}, { namePrefix: "ci-deployer" });
    expect(failures).toBeUndefined();
    expect(inputs).toEqual({
      name: expect.stringMatching(/^ci-deployer-[0-9a-f]{16}$/),
      scope: "read",
      namePrefix: "ci-deployer",
      autoNamed: true,
    });
  });

  it("draws the auto-name's suffix from the engine's random seed when the plugin has one", () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const named = (bytes?: Uint8Array) => checkInputs({}, { namePrefix: "ci" }, bytes).inputs?.name;
    // The same seed (a saved plan's) names the same; a seed too short to hold 64 bits is not used.
    expect(named(seed)).toBe("ci-0102030405060708");
    expect(named(seed)).toBe(named(seed));
    expect(named(new Uint8Array())).toMatch(/^ci-[0-9a-f]{16}$/);
  });

  it("keeps an auto-name for the resource's life", () => {
    const first = checkInputs({}, { namePrefix: "app" }).inputs;
    const second = checkInputs(first ?? {}, { namePrefix: "app", scope: "write" }).inputs;
    expect(second?.name).toBe(first?.name);
  });

  it("uses an explicit name as is, and forgets the auto-name", () => {
    const auto = checkInputs({}, { namePrefix: "app" }).inputs;
    expect(checkInputs(auto ?? {}, { namePrefix: "app", name: "explicit" }).inputs).toEqual({
      name: "explicit",
      scope: "read",
      namePrefix: "app",
    });
  });

  it("keeps a name an existing resource has, an 8-digit suffix from before included", () => {
    const olds = { name: "app-1a2b3c4d", scope: "read" as const, namePrefix: "app", autoNamed: true };
    expect(checkInputs(olds, { namePrefix: "app" }).inputs?.name).toBe("app-1a2b3c4d");
    expect(checkInputs(olds, { namePrefix: "app", previewing: true }).inputs?.name).toBe("app-1a2b3c4d");
  });

  it("leaves a new resource's auto-name unknown at preview, and never keeps `previewing`", () => {
    const { inputs, failures } = checkInputs({}, { namePrefix: "app", previewing: true });
    expect(failures).toBeUndefined();
    expect(inputs).toEqual({ name: UNKNOWN, scope: "read", namePrefix: "app", autoNamed: true });
    // An explicit name is shown as it is.
    expect(checkInputs({}, { namePrefix: "app", name: "ci", previewing: true }).inputs).toEqual({
      name: "ci",
      scope: "read",
      namePrefix: "app",
    });
    // The `up` draws one.
    expect(checkInputs({}, { namePrefix: "app" }).inputs?.name).toMatch(/^app-[0-9a-f]{16}$/);
  });

  it("fits long resource names into Utho's 64-character limit", () => {
    const { inputs } = checkInputs({}, { namePrefix: "x".repeat(200) });
    expect(inputs?.name).toHaveLength(64);
  });

  it("lets unknown values (preview) through, an unknown adopt included", () => {
    expect(checkInputs({}, { name: UNKNOWN, scope: UNKNOWN }).failures).toBeUndefined();
    expect(checkInputs({}, { name: "a", adopt: UNKNOWN }).failures).toBeUndefined();
    expect(checkInputs({}, { name: "a", adopt: { id: UNKNOWN, token: UNKNOWN } }).failures).toBeUndefined();
    expect(
      checkInputs({}, { name: "a", connection: { apiKey: UNKNOWN, baseUrl: UNKNOWN } }).failures,
    ).toBeUndefined();
  });

  it.each(["rotation", "keepers", "rotateAfter", "overlap", "expiresAt", "verify", "onMissing"])(
    "lets an unknown %s through at preview, and keeps it unknown",
    (key) => {
      const { inputs, failures } = checkInputs({}, { name: "a", [key]: UNKNOWN });
      expect(failures).toBeUndefined();
      expect(inputs?.[key as keyof typeof inputs]).toBe(UNKNOWN);
    },
  );

  it("checks the rules between inputs once both are known", () => {
    expect(checkInputs({}, { name: "a", rotateAfter: UNKNOWN, overlap: "7d" }).failures).toBeUndefined();
    expect(checkInputs({}, { name: "a", rotateAfter: "30d", overlap: UNKNOWN }).failures).toBeUndefined();
    expect(checkInputs({}, { name: "a", rotateAfter: "7d", overlap: "7d" }).failures).toEqual([
      expect.objectContaining({ property: "overlap" }),
    ]);
    // A known value still follows its rule while another input is unknown.
    expect(checkInputs({}, { name: UNKNOWN, expiresAt: "2027-03-01" }).failures).toEqual([
      expect.objectContaining({ property: "expiresAt" }),
    ]);
  });

  it.each([
    ["rotateAfter", "30d"],
    ["overlap", "7d"],
    ["rotation", "2026-Q4"],
    ["keepers", { image: "v1" }],
    ["rotation", UNKNOWN],
  ])("refuses adopt with %s (%j): an adopted token is never rotated", (key, value) => {
    for (const adopt of [{ id: "12" }, UNKNOWN]) {
      expect(checkInputs({}, { name: "a", adopt, [key]: value }).failures).toEqual([
        {
          property: key,
          reason: expect.stringMatching(
            new RegExp(
              `^${key}: cannot be set with adopt: an adopted token is never rotated by the provider`,
            ),
          ),
        },
      ]);
    }
  });

  it.each([
    ["emoji", "🔑".repeat(80)],
    ["control characters", "ci\u0007\u0000deployer"],
    ["a bidi override", "ci\u202Etxt.exe"],
    ["a line separator", "ci\u2028deployer"],
    ["a lone surrogate", "ci\uD800deployer"],
    ["only whitespace", "   "],
    ["surrounding whitespace", "  ci-deployer  "],
  ])(
    "auto-names a resource whose logical name has %s with a name the shared rule accepts",
    (_label, prefix) => {
      const { inputs, failures } = checkInputs({}, { namePrefix: prefix });
      expect(failures).toBeUndefined();
      expect(tokenNameSchema.safeParse(inputs?.name).success).toBe(true);
      expect(inputs?.name).toMatch(/-[0-9a-f]{16}$/);
    },
  );

  it("counts a name's length in characters (code points), as the SDK and the emulator do", () => {
    expect(checkInputs({}, { name: "🔑".repeat(64) }).failures).toBeUndefined();
    expect(checkInputs({}, { name: "🔑".repeat(65) }).failures).toEqual([
      { property: "name", reason: "name: must be at most 64 characters (it has 65)" },
    ]);
  });

  it("accepts a connection and keeps it with the inputs", () => {
    const connection = { apiKey: "key-of-account-b", baseUrl: "https://api.example.test/v2" };
    expect(checkInputs({}, { name: "a", connection }).inputs).toMatchObject({ connection });
    expect(checkInputs({}, { name: "a", connection: UNKNOWN }).failures).toBeUndefined();
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "bidi override in name",
      { name: "a\u202Eb" },
      "name",
      /bidirectional formatting characters \(U\+202E at character 2\)/,
    ],
    ["empty connection", { name: "a", connection: {} }, "connection", /must set apiKey, baseUrl or both/],
    [
      "connection key with a space",
      { name: "a", connection: { apiKey: "a b" } },
      "connection.apiKey",
      /no whitespace/,
    ],
    [
      "plain-http connection URL",
      { name: "a", connection: { baseUrl: "http://api.example.test/v2" } },
      "connection.baseUrl",
      /connection.baseUrl: "http:\/\/api.example.test" must use https/,
    ],
    [
      "connection URL that is not a URL",
      { name: "a", connection: { baseUrl: "not a url" } },
      "connection.baseUrl",
      /connection.baseUrl: it is not an absolute URL/,
    ],
    [
      "unknown connection property",
      { name: "a", connection: { token: "x" } },
      "connection.token",
      /"connection.token": connection accepts apiKey and baseUrl$/,
    ],
    ["bad scope", { scope: "admin" }, "scope", /scope: must be "read" or "write"/],
    ["numeric scope", { scope: 1 }, "scope", /scope: must be "read" or "write"/],
    ["empty name", { name: "" }, "name", /name: must not be empty/],
    ["blank name", { name: "   " }, "name", /name: must not be empty/],
    ["long name", { name: "n".repeat(65) }, "name", /name: must be at most 64 characters/],
    ["control character", { name: "bad\tname" }, "name", /name: must not contain control characters/],
    ["unknown property", { scopes: "read" }, "scopes", /unknown property "scopes"/],
    ["numeric rotation", { rotation: 3 }, "rotation", /^rotation: must be a string$/],
    [
      "unknown adopt property",
      { name: "a", adopt: { idd: "1" } },
      "adopt.idd",
      /"adopt.idd": adopt accepts id and token$/,
    ],
    [
      "bad adopt id",
      { name: "a", adopt: { id: "1/2" } },
      "adopt.id",
      /adopt.id: must be a non-empty token id/,
    ],
    ["adopt secret with a space", { name: "a", adopt: { token: "ab cd" } }, "adopt.token", /no whitespace/],
    [
      "empty adopt secret",
      { name: "a", adopt: { token: "" } },
      "adopt.token",
      /adopt.token: must be a token secret/,
    ],
    ["adopt without name", { adopt: { id: "12" } }, "name", /name: required when adopting/],
  ];

  it.each(bad)("rejects %s with a failure naming the property", (_label, news, property, reason) => {
    const { failures, inputs } = checkInputs({}, news);
    expect(inputs).toBeUndefined();
    expect(failures).toEqual([{ property, reason: expect.stringMatching(reason) }]);
  });
});

describe("diff", () => {
  const olds: ApiTokenOutputs = {
    name: "ci",
    scope: "read",
    createdAt: "2026-11-23 10:00:00",
    token: "s3cret",
  };

  it("reports no change when name and scope are the same", () => {
    expect(diffToken("1", olds, { name: "ci", scope: "read" })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it.each([
    ["scope", { name: "ci", scope: "write" as const }, ["scope"]],
    ["name", { name: "cd", scope: "read" as const }, ["name"]],
    ["rotation", { name: "ci", scope: "read" as const, rotation: "2026-Q4" }, ["rotation"]],
    ["both", { name: "cd", scope: "write" as const }, ["name", "scope"]],
    ["unknown name", { name: UNKNOWN, scope: "read" as const }, ["name"]],
    ["unknown rotation", { name: "ci", scope: "read" as const, rotation: UNKNOWN }, ["rotation"]],
    [
      "unknown keepers",
      { name: "ci", scope: "read" as const, keepers: UNKNOWN as typeof UNKNOWN },
      ["keepers"],
    ],
  ])("replaces exactly the changed %s", (_label, news, replaces) => {
    expect(diffToken("1", olds, news)).toMatchObject({ changes: true, replaces, deleteBeforeReplace: false });
  });

  it("shows a possible rotation in place for unknown keepers with an overlap", () => {
    const news = { name: "ci", scope: "read" as const, keepers: UNKNOWN as typeof UNKNOWN, overlap: "7d" };
    expect(diffToken("1", { ...olds, keepers: { image: "v1" }, overlap: "7d" }, news)).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  it.each(["rotateAfter", "overlap", "expiresAt", "verify", "onMissing"])(
    "updates in place for an unknown %s",
    (key) => {
      expect(diffToken("1", olds, { name: "ci", scope: "read", [key]: UNKNOWN })).toMatchObject({
        changes: true,
        replaces: [],
      });
    },
  );

  it("updates in place when an adopted token's secret is supplied later", () => {
    const adopted = { ...olds, token: undefined };
    expect(
      diffToken("1", adopted, { name: "ci", scope: "read", adopt: { id: "1", token: "s3cret" } }),
    ).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(
      diffToken("1", olds, { name: "ci", scope: "read", adopt: { id: "1", token: "s3cret" } }).changes,
    ).toBe(false);
  });

  it("refuses to replace an adopted token while adopt is set: the replacement would revoke it", () => {
    expect(() =>
      diffToken("1", olds, { name: "ci", scope: "read", rotation: "2026-Q4", adopt: { id: "1" } }),
    ).toThrow(
      /^rotation: an adopted token cannot be replaced while `adopt` is set .* Remove `adopt` to mint a new token/,
    );
  });

  it("updates in place, never replaces, when the connection changes", () => {
    const connected = { ...olds, connection: { apiKey: "key-1" } };
    const same = diffToken("1", connected, { name: "ci", scope: "read", connection: { apiKey: "key-1" } });
    expect(same.changes).toBe(false);
    for (const connection of [
      { apiKey: "key-2" },
      { apiKey: "key-1", baseUrl: "https://b.test/v2" },
      undefined,
    ]) {
      expect(diffToken("1", connected, { name: "ci", scope: "read", connection })).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("replaces when adopt.id points at another token", () => {
    expect(diffToken("1", olds, { name: "ci", scope: "read", adopt: { id: "2" } })).toMatchObject({
      changes: true,
      replaces: ["adopt"],
    });
  });
});
