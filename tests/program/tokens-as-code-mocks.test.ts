/**
 * The root program, `tokensAsCode()`, run under Pulumi's mocks with a stack config: what it
 * registers and what it exports. Its own file: the mocks and the config are process-wide.
 */
import * as pulumi from "@pulumi/pulumi";
import { tokensAsCode } from "../../program/tokens-as-code";
import { UthoConfigError } from "../../sdk/errors";

// The project of the root Pulumi.yaml; the program reads `<project>:tokens`.
const PROJECT = "utho-tokens";

// The resource's type token, as every preview shows it.
const API_TOKEN_TYPE = "pulumi-nodejs:dynamic/utho:ApiToken";

let registered: pulumi.runtime.MockResourceArgs[];

/** Installs fresh mocks (each registration answers as Utho would) and sets `tokens` in the stack config. */
function runWithTokens(tokens: unknown): void {
  registered = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args);
        const id = String(1000 + registered.length);
        return {
          id,
          state: {
            ...args.inputs,
            createdAt: `2026-11-23 10:00:0${registered.length}`,
            // As after an in-place rotation: the live token is not the one the id names.
            tokenId: String(2000 + registered.length),
            token: `secret-of-${args.name}`,
          },
        };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "test",
    false,
  );
  pulumi.runtime.setAllConfig(tokens === undefined ? {} : { [`${PROJECT}:tokens`]: JSON.stringify(tokens) });
}

const resolved = <T>(output: pulumi.Output<T>): Promise<T> =>
  new Promise((resolve) => output.apply((value) => resolve(value)));

/** Waits until every registration the program started has reached the mocks. */
const settled = (): Promise<void> => pulumi.runtime.disconnect();

describe("tokensAsCode() under Pulumi's mocks", () => {
  const list = [
    { name: "ci-deployer", scope: "write" },
    { name: "grafana-reader" },
    { name: "backup-agent", scope: "read" },
  ];

  it("registers one ApiToken per entry, named after the token, with its name and scope as inputs", async () => {
    runWithTokens(list);
    tokensAsCode();
    await settled();
    expect(registered).toHaveLength(3);
    for (const resource of registered) {
      expect(resource.type).toBe(API_TOKEN_TYPE);
      expect(resource.custom).toBe(true);
    }
    expect(registered.map((r) => [r.name, r.inputs.name, r.inputs.scope])).toEqual([
      ["ci-deployer", "ci-deployer", "write"],
      // No scope in the stack file: the program passes the default, read.
      ["grafana-reader", "grafana-reader", "read"],
      ["backup-agent", "backup-agent", "read"],
    ]);
  });

  it("exports the facts (the live token's id, tokenId) and the secrets keyed by name, in two separate maps", async () => {
    runWithTokens(list);
    const outputs = tokensAsCode();
    await settled();
    const names = ["ci-deployer", "grafana-reader", "backup-agent"];
    expect(Object.keys(outputs).sort()).toEqual(["secrets", "tokens"]);
    expect(Object.keys(outputs.tokens)).toEqual(names);
    expect(Object.keys(outputs.secrets)).toEqual(names);

    const liveIds = new Map(registered.map((r, i) => [r.name, String(2001 + i)]));
    for (const [i, name] of names.entries()) {
      const facts = outputs.tokens[name];
      expect(Object.keys(facts ?? {}).sort()).toEqual(["createdAt", "scope", "tokenId"]);
      if (!facts) continue;
      expect(await resolved(facts.tokenId)).toBe(liveIds.get(name));
      expect(await resolved(facts.scope)).toBe(i === 0 ? "write" : "read");
      expect(await resolved(facts.createdAt)).toMatch(/^2026-11-23 10:00:0[1-3]$/);
      // Plain values: nothing the program adds makes them secret.
      for (const output of [facts.tokenId, facts.scope, facts.createdAt]) {
        expect(await pulumi.isSecret(output)).toBe(false);
      }

      const secret = outputs.secrets[name];
      expect(secret).toBeDefined();
      if (!secret) continue;
      // The engine, not the mocks, applies `additionalSecretOutputs`: secrecy is checked end to end.
      expect(await resolved(secret)).toBe(`secret-of-${name}`);
    }
  });

  it.each([
    ["an empty list", []],
    ["no tokens key", undefined],
  ])("registers nothing for %s", async (_label, tokens) => {
    runWithTokens(tokens);
    expect(tokensAsCode()).toEqual({ tokens: {}, secrets: {} });
    await settled();
    expect(registered).toEqual([]);
  });

  it.each([
    [
      "a bad entry after good ones",
      [{ name: "ci" }, { name: "ok" }, { name: "a\tb" }],
      /tokens\[2\]\.name: /,
    ],
    ["a duplicate name", [{ name: "ci" }, { name: "ci" }], /the name "ci" is listed twice/],
    ["a bad scope", [{ name: "ci", scope: "admin" }], /tokens\[0\]\.scope: /],
  ])("throws a UthoConfigError for %s before any resource is registered", async (_label, tokens, message) => {
    runWithTokens(tokens);
    expect(() => tokensAsCode()).toThrow(UthoConfigError);
    expect(() => tokensAsCode()).toThrow(message);
    await settled();
    expect(registered).toEqual([]);
  });
});
