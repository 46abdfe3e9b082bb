import type * as pulumi from "@pulumi/pulumi";
import { readTokenList } from "../../program/tokens-as-code";
import { UthoConfigError, UthoError } from "../../sdk/errors";

const configWith = (tokens: unknown) => ({ getObject: () => tokens }) as unknown as pulumi.Config;

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error: unknown) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("readTokenList (the stack file's utho-tokens:tokens)", () => {
  it("reads entries, defaulting scope to read", () => {
    expect(readTokenList(configWith([{ name: "ci", scope: "write" }, { name: "grafana" }]))).toEqual([
      { name: "ci", scope: "write" },
      { name: "grafana", scope: "read" },
    ]);
    expect(readTokenList(configWith(undefined))).toEqual([]);
  });

  it("accepts what the token rules accept: 64 code points, inner spaces, emoji", () => {
    const names = ["a".repeat(64), "ci deployer", `${"🔑".repeat(63)}x`];
    expect(readTokenList(configWith(names.map((name) => ({ name }))))).toEqual(
      names.map((name) => ({ name, scope: "read" })),
    );
  });

  it.each([
    [
      "a bad scope",
      [{ name: "ci", scope: "admin" }],
      'Invalid stack config "tokens": tokens[0].scope: must be "read" or "write"',
    ],
    ["an unknown field", [{ name: "ci", scopes: "read" }], 'tokens[0]: Unrecognized key: "scopes"'],
    ["an empty name", [{ name: "" }], "tokens[0].name: must not be empty or only whitespace"],
    [
      "a blank name",
      [{ name: "ci" }, { name: "   " }],
      "tokens[1].name: must not be empty or only whitespace",
    ],
    ["a missing name", [{ scope: "read" }], "tokens[0].name: must be a string"],
    ["a number as name", [{ name: 7 }], "tokens[0].name: must be a string"],
    [
      "a control character",
      [{ name: "ci" }, { name: "abc\tdef" }],
      "tokens[1].name: must not contain control characters (U+0009 at character 4)",
    ],
    [
      "a bidi override",
      [{ name: "ab\u202Ecd" }],
      "tokens[0].name: must not contain bidirectional formatting characters (U+202E at character 3)",
    ],
    ["surrounding whitespace", [{ name: " ci" }], "tokens[0].name: must not start or end with whitespace"],
    [
      "a name over 64 characters",
      [{ name: "n".repeat(65) }],
      "tokens[0].name: must be at most 64 characters (it has 65)",
    ],
    [
      "not a list",
      { name: "ci" },
      'Invalid stack config "tokens": tokens: must be a list of entries with a name and an optional scope',
    ],
    ["a name listed twice", [{ name: "ci" }, { name: "ci" }], 'the name "ci" is listed twice'],
  ])("rejects %s with a UthoConfigError naming the entry and field", (_label, tokens, message) => {
    const error = thrownBy(() => readTokenList(configWith(tokens)));
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toBeInstanceOf(UthoError);
    expect(error).toMatchObject({ code: "UTHO_CONFIG" });
    expect((error as Error).message).toMatch(/^Invalid stack config "tokens": /);
    expect((error as Error).message).toContain(message);
  });

  it("reports a value that is not JSON as a UthoConfigError, not Pulumi's own error", () => {
    const config = {
      getObject: () => {
        throw new Error("Configuration 'utho-tokens:tokens' value 'ci' is not a valid JSON object");
      },
    } as unknown as pulumi.Config;
    expect(() => readTokenList(config)).toThrow(UthoConfigError);
    expect(() => readTokenList(config)).toThrow(
      'Invalid stack config "tokens": tokens: must be a list of entries with a name and an optional scope',
    );
  });
});
