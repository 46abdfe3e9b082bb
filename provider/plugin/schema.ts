/**
 * The `utho` package's Pulumi schema: what `pulumi package get-schema utho` prints, what
 * `pulumi package gen-sdk` generates SDKs from, and what a YAML program is checked against. It
 * describes the same resource as the dynamic `ApiToken` (`api-token.ts`): the same inputs, the
 * same outputs, the same secrets; `tests/plugin/schema.test.ts` keeps the two in step.
 */

const string = { type: "string" } as const;
const boolean = { type: "boolean" } as const;

const described = <T extends object>(description: string, spec: T) => ({ description, ...spec });

const scope = described(
  'The token\'s scope: "read" (Read-Only) or "write" (read, write and delete). Changing it replaces the token.',
  string,
);
const name = described(
  "The token's name in the Utho console, 1-64 characters, no control characters. Changing it replaces " +
    "the token. Defaults to the resource name plus a random 64-bit suffix, fixed for the resource's life.",
  string,
);

/** Inputs of `utho:index:ApiToken`, beside `name` and `scope`. */
const inputProperties = {
  name,
  scope,
  adopt: described("Bring an existing token under management instead of minting one. Requires `name`.", {
    $ref: "#/types/utho:index:AdoptArgs",
  }),
  rotation: described(
    "Rotation trigger: any change of this value mints a new token, then revokes the old one.",
    string,
  ),
  keepers: described(
    "Arbitrary strings: any change of a key or value mints a new token, as `rotation` does.",
    { type: "object", additionalProperties: string },
  ),
  rotateAfter: described(
    'Scheduled rotation: a duration ("90d", "12h") after the current token\'s creation, the next up rotates it.',
    string,
  ),
  overlap: described(
    'Rotation with an overlap: a duration ("7d") during which the previous token stays valid, as `previousToken`.',
    string,
  ),
  expiresAt: described(
    "Expiry: an ISO 8601 instant; the first up at or after it revokes the token and keeps the resource, expired.",
    string,
  ),
  verify: described(
    "Whether a new secret must authenticate before create returns. Defaults to true.",
    boolean,
  ),
  onMissing: described(
    'What a refresh does about a token deleted outside Pulumi: "recreate" (the default) or "fail".',
    string,
  ),
  connection: described("Credentials for this token's account, overriding the provider's.", {
    $ref: "#/types/utho:index:ConnectionArgs",
    secret: true,
  }),
};

/** Outputs besides the inputs (`previousToken` and `token` are secrets). */
const outputOnly = {
  createdAt: described("When Utho created the current token.", string),
  tokenId: described(
    "The current token's Utho id (it differs from the resource id after an in-place rotation).",
    string,
  ),
  accountId: described("The Utho account that holds the token.", string),
  token: described(
    "The secret, shown by Utho once. Absent for an imported or adopted token whose secret was not supplied.",
    { ...string, secret: true },
  ),
  fingerprint: described("`sha256:` and the first 16 hex characters of the secret's SHA-256.", string),
  rotationDueAt: described("With `rotateAfter`: when the token is due for rotation (ISO 8601).", string),
  rotatedAt: described("When the provider minted the current token (ISO 8601).", string),
  previousToken: described("During an overlap: the token the last rotation replaced, still valid.", {
    ...string,
    secret: true,
  }),
  previousTokenId: described("During an overlap: the previous token's Utho id.", string),
  previousRevokeAt: described("During an overlap: when the previous token is revoked.", string),
  expired: described("True once `expiresAt` has passed and the token was revoked.", boolean),
  missing: described(
    "True when a refresh found the current token deleted while a previous one is held.",
    boolean,
  ),
  unverified: described("True when the secret was never accepted and could not be revoked.", boolean),
};

const apiKey = described(
  "A Utho API key of the account (a secret). Defaults to the UTHO_API_KEY (or UTHO_TOKEN) environment variable.",
  { ...string, secret: true },
);
const baseUrl = described(
  "The Utho API's base URL. Defaults to UTHO_BASE_URL, else https://api.utho.com/v2.",
  string,
);
const settleWindow = described(
  'How far Utho\'s token list may lag behind a create or a delete ("7.75s", the default; "500ms" for an emulator).',
  string,
);

/** The provider's settings: `utho:apiKey`, `utho:baseUrl`, `utho:settleWindow`. */
const providerSettings = { apiKey, baseUrl, settleWindow };

export const PLUGIN_NAME = "utho";
export const API_TOKEN_TOKEN = "utho:index:ApiToken";

export function pluginSchema(version: string) {
  return {
    name: PLUGIN_NAME,
    displayName: "Utho API tokens",
    version,
    description: "Utho Cloud API tokens as code: mint, adopt, import, rotate and revoke them.",
    keywords: ["pulumi", "utho", "category/cloud", "kind/native"],
    license: "Apache-2.0",
    publisher: "utho-pulumi-tokens",
    repository: "https://github.com/utho-cloud/utho-pulumi-tokens",
    // Generated SDKs then carry this version and a go.mod (scripts/gen-sdk.sh).
    meta: { supportPack: true },
    config: { variables: providerSettings },
    provider: {
      description: "The Utho account the tokens live in; declare several for several accounts.",
      inputProperties: providerSettings,
    },
    types: {
      "utho:index:AdoptArgs": {
        type: "object",
        properties: {
          id: described("The existing token's Utho id; omit it to find the token by `name`.", string),
          token: described("The existing token's secret, if you have it; verified.", {
            ...string,
            secret: true,
          }),
        },
      },
      "utho:index:ConnectionArgs": {
        type: "object",
        properties: { apiKey, baseUrl },
      },
    },
    resources: {
      [API_TOKEN_TOKEN]: {
        description:
          "A Utho API token. Its `token` output is the once-shown secret, always a Pulumi secret. Import an " +
          "existing token with `pulumi import utho:index:ApiToken <name> <token id>`.",
        inputProperties,
        properties: { ...withoutRefs(inputProperties), ...outputOnly },
        required: ["name", "scope", "createdAt", "tokenId", "accountId"],
      },
    },
    language: {
      nodejs: { packageName: "@utho/pulumi-tokens-sdk", dependencies: { "@pulumi/pulumi": "^3.0.0" } },
      go: {
        importBasePath: "github.com/utho-cloud/utho-pulumi-tokens/sdk/go/utho",
        generateResourceContainerTypes: true,
      },
      python: { packageName: "pulumi_utho", requires: { pulumi: ">=3.0.0,<4.0.0" } },
      csharp: { rootNamespace: "Utho", packageReferences: { Pulumi: "3.*" } },
    },
  };
}

/**
 * The outputs carry the inputs, minus `adopt` (its secret never leaves the inputs); an output
 * `connection` is the input's object, still secret.
 */
function withoutRefs(inputs: typeof inputProperties) {
  const { adopt: _adopt, ...rest } = inputs;
  return rest;
}
