import { checkInputs, UNKNOWN } from "../../provider/check";
import { diffToken } from "../../provider/diff";
import type { ApiTokenOutputs } from "../../provider/types";

describe("check", () => {
  it("defaults scope to read and auto-names from the resource name", () => {
    const { inputs, failures } = checkInputs({}, { namePrefix: "ci-deployer" });
    expect(failures).toBeUndefined();
    expect(inputs).toEqual({
      name: expect.stringMatching(/^ci-deployer-[0-9a-f]{8}$/),
      scope: "read",
      namePrefix: "ci-deployer",
      autoNamed: true,
    });
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

  it("fits long resource names into Utho's 64-character limit", () => {
    const { inputs } = checkInputs({}, { namePrefix: "x".repeat(200) });
    expect(inputs?.name).toHaveLength(64);
  });

  it("lets unknown values (preview) through, an unknown adopt included", () => {
    expect(checkInputs({}, { name: UNKNOWN, scope: UNKNOWN }).failures).toBeUndefined();
    expect(checkInputs({}, { name: "a", adopt: UNKNOWN }).failures).toBeUndefined();
    expect(checkInputs({}, { name: "a", adopt: { id: UNKNOWN, token: UNKNOWN } }).failures).toBeUndefined();
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["bad scope", { scope: "admin" }, "scope", /scope: must be "read" or "write"/],
    ["numeric scope", { scope: 1 }, "scope", /scope: must be "read" or "write"/],
    ["empty name", { name: "" }, "name", /name: must not be empty/],
    ["blank name", { name: "   " }, "name", /name: must not be empty/],
    ["long name", { name: "n".repeat(65) }, "name", /name: must be at most 64 characters/],
    ["control character", { name: "bad\tname" }, "name", /name: must not contain control characters/],
    ["unknown property", { scopes: "read" }, "scopes", /unknown property "scopes"/],
    ["numeric rotation", { rotation: 3 }, "rotation", /rotation: Invalid input: expected string/],
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
  ])("replaces exactly the changed %s", (_label, news, replaces) => {
    expect(diffToken("1", olds, news)).toMatchObject({ changes: true, replaces, deleteBeforeReplace: false });
  });

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

  it("replaces when adopt.id points at another token", () => {
    expect(diffToken("1", olds, { name: "ci", scope: "read", adopt: { id: "2" } })).toMatchObject({
      changes: true,
      replaces: ["adopt"],
    });
  });
});
