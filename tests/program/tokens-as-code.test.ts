import type * as pulumi from "@pulumi/pulumi";
import { readTokenList } from "../../program/tokens-as-code";

const configWith = (tokens: unknown) => ({ getObject: () => tokens }) as unknown as pulumi.Config;

describe("readTokenList (the stack file's utho-tokens:tokens)", () => {
  it("reads entries, defaulting scope to read", () => {
    expect(readTokenList(configWith([{ name: "ci", scope: "write" }, { name: "grafana" }]))).toEqual([
      { name: "ci", scope: "write" },
      { name: "grafana", scope: "read" },
    ]);
    expect(readTokenList(configWith(undefined))).toEqual([]);
  });

  it.each([
    ["a bad scope", [{ name: "ci", scope: "admin" }], /^Invalid stack config "tokens": tokens\[0\]\.scope: /],
    ["an unknown field", [{ name: "ci", scopes: "read" }], /tokens\[0\]: Unrecognized key: "scopes"/],
    ["an empty name", [{ name: "" }], /tokens\[0\]\.name: must not be empty/],
    ["not a list", { name: "ci" }, /^Invalid stack config "tokens": tokens: /],
    ["a name listed twice", [{ name: "ci" }, { name: "ci" }], /the name "ci" is listed twice/],
  ])("rejects %s, naming the entry and field", (_label, tokens, message) => {
    expect(() => readTokenList(configWith(tokens))).toThrow(message);
  });
});
