/**
 * "Tokens as code": the root Pulumi program. The stack file lists the tokens; a pull request
 * edits the list, the pipeline runs `pulumi up`.
 *
 * ```yaml
 * # Pulumi.<stack>.yaml
 * config:
 *   utho-tokens:tokens:
 *     - name: ci-deployer
 *       scope: write
 *     - name: grafana-reader   # scope defaults to read
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ApiToken } from "../provider/api-token";
import { UthoConfigError } from "../sdk/errors";
import { tokenNameSchema, tokenScopeSchema } from "../sdk/rules";

const NOT_A_LIST = "must be a list of entries with a name and an optional scope";

// The entries obey the same rules as the SDK, the provider's `check` and the emulator.
const tokenListSchema = z.array(
  z
    .object({
      name: tokenNameSchema,
      scope: tokenScopeSchema.default("read"),
    })
    .strict(),
  NOT_A_LIST,
);

export type TokenList = z.output<typeof tokenListSchema>;

/** `["0", "scope"]`-style zod paths as `tokens[0].scope`. */
function configPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : `${out}.${String(key)}`),
    "tokens",
  );
}

const invalid = (problem: string): UthoConfigError =>
  new UthoConfigError(`Invalid stack config "tokens": ${problem}`);

/** The raw `<project>:tokens` value. Pulumi throws its own error for a value that is not JSON. */
function rawTokenList(config: pulumi.Config): unknown {
  try {
    return config.getObject<unknown>("tokens");
  } catch {
    throw invalid(`tokens: ${NOT_A_LIST}`);
  }
}

/**
 * Validates a `<project>:tokens` value (absent: no tokens), naming the entry and field of any
 * mistake. The demo checks its stack file with it before running Pulumi.
 * @throws UthoConfigError when the list breaks a rule.
 */
export function parseTokenList(raw: unknown): TokenList {
  const parsed = tokenListSchema.safeParse(raw ?? []);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => `${configPath(issue.path)}: ${issue.message}`).join("; "),
    );
  }
  const names = parsed.data.map((t) => t.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw invalid(`the name "${duplicate}" is listed twice`);
  return parsed.data;
}

/**
 * Reads and validates `<project>:tokens`.
 * @throws UthoConfigError when the list breaks a rule.
 */
export function readTokenList(config: pulumi.Config): TokenList {
  return parseTokenList(rawTokenList(config));
}

export interface TokenFacts {
  /** The live token's Utho id (`tokenId`: the resource's `id` names its first token). */
  tokenId: pulumi.Output<string>;
  scope: pulumi.Output<string>;
  createdAt: pulumi.Output<string>;
}

export interface TokensAsCodeOutputs {
  /** Plain facts per token name: live token id, scope, creation time. */
  tokens: Record<string, TokenFacts>;
  /** The secrets per token name. Kept apart: a secret nested among plain values hides them all. */
  secrets: Record<string, pulumi.Output<string | undefined>>;
}

/** The program: one ApiToken per listed entry, keyed by name. */
export function tokensAsCode(): TokensAsCodeOutputs {
  const outputs: TokensAsCodeOutputs = { tokens: {}, secrets: {} };
  for (const entry of readTokenList(new pulumi.Config())) {
    // The logical name is the token name, so reordering the list changes nothing.
    const token = new ApiToken(entry.name, { name: entry.name, scope: entry.scope });
    outputs.tokens[entry.name] = { tokenId: token.tokenId, scope: token.scope, createdAt: token.createdAt };
    outputs.secrets[entry.name] = token.token;
  }
  return outputs;
}
