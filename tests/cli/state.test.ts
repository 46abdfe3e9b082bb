/**
 * Reading a stack's exported state: the tokens its ApiToken resources hold, the operations an
 * interrupted run left pending, what a resource's encrypted `connection` is (read from an export
 * with secrets, into memory), and the secrets such an export carries, none of which may reach
 * anything `utho-tokens` prints. Most of the state is read with its secrets still encrypted.
 */
import {
  connectionsOfPending,
  deploymentSchema,
  interruptedOperations,
  lockProbeTarget,
  pendingKey,
  providersInUse,
  providersOfState,
  registerStateSecrets,
  tokensInState,
  withoutCiphertext,
  withoutPendingOperations,
} from "../../cli/state";

const SIG = "4dabf18193072939515e22adb298388d";
const secret = (value: unknown) => ({
  [SIG]: "1b47061264138c4ac30d75fd1eb44270",
  plaintext: JSON.stringify(value),
});
const urn = (type: string, name: string) => `urn:pulumi:dev::tokens::${type}::${name}`;
const TYPE = "pulumi-nodejs:dynamic/utho:ApiToken";
const LEGACY = "pulumi-nodejs:dynamic:Resource";

const raw = {
  manifest: { time: "2026-12-01T10:00:00Z", magic: "x", version: "v3" },
  resources: [
    { urn: urn("pulumi:pulumi:Stack", "tokens-dev"), custom: false, type: "pulumi:pulumi:Stack" },
    {
      urn: urn(TYPE, "ci"),
      custom: true,
      id: "176300",
      type: TYPE,
      inputs: { name: "ci-1a2b3c4d", scope: "write", autoNamed: true, namePrefix: "ci" },
      outputs: {
        name: "ci-1a2b3c4d",
        scope: "write",
        accountId: "41250",
        token: secret("s3cr3t-token-value-0001"),
      },
    },
    {
      urn: urn(LEGACY, "old"),
      custom: true,
      id: "176301",
      type: LEGACY,
      outputs: {
        __provider: 'exports.handler = require("utho-pulumi-tokens/dist/provider/operations")',
        name: "old",
        scope: "read",
        createdAt: "2026-01-01 00:00:00",
      },
    },
    {
      // Outputs that cannot be read (a secret name, here) do not make the token an orphan.
      urn: urn(TYPE, "secret-name"),
      custom: true,
      id: "176302",
      type: TYPE,
      outputs: { name: secret("hidden-name"), scope: "read" },
    },
    {
      urn: urn(LEGACY, "someone-elses"),
      custom: true,
      id: "x-1",
      type: LEGACY,
      outputs: { __provider: "exports.handler = function () {}", name: "other", scope: "read" },
    },
  ],
  pending_operations: [
    {
      resource: {
        urn: urn(TYPE, "new"),
        custom: true,
        type: TYPE,
        inputs: {
          name: "new-deadbeef",
          scope: "read",
          autoNamed: true,
          namePrefix: "new",
          connection: secret({ apiKey: "other-account-key-0123456789abcdef", baseUrl: "http://127.0.0.1:9" }),
        },
      },
      type: "creating",
    },
    { resource: { urn: urn(TYPE, "ci"), custom: true, type: TYPE, inputs: {} }, type: "deleting" },
    {
      resource: {
        urn: urn(TYPE, "adopted"),
        custom: true,
        type: TYPE,
        inputs: {
          name: "legacy",
          scope: "write",
          adopt: secret({ id: "176000" }),
          // A connection whose key alone is secret.
          connection: { apiKey: secret("nested-secret-key-0123456789abcdef") },
        },
      },
      type: "creating",
    },
    {
      resource: { urn: urn("aws:s3/bucket:Bucket", "b"), custom: true, type: "aws:s3/bucket:Bucket" },
      type: "creating",
    },
  ],
};

const deployment = deploymentSchema.parse(raw);

describe("tokensInState", () => {
  it("lists the tokens of ApiToken resources, and of 0.1.x resources whose provider is this package's", () => {
    expect(tokensInState(deployment)).toEqual([
      { urn: urn(TYPE, "ci"), id: "176300", name: "ci-1a2b3c4d", scope: "write", accountId: "41250" },
      { urn: urn(LEGACY, "old"), id: "176301", name: "old", scope: "read" },
      { urn: urn(TYPE, "secret-name"), id: "176302", name: "hidden-name", scope: "read" },
    ]);
  });

  it("reads a state with no resources at all", () => {
    expect(tokensInState(deploymentSchema.parse({}))).toEqual([]);
  });

  it("holds a rotated resource's current token (tokenId, not the resource id) and, in its overlap, the previous one", () => {
    const rotated = deploymentSchema.parse({
      resources: [
        {
          urn: urn(TYPE, "ci"),
          type: TYPE,
          id: "176300",
          outputs: {
            name: "ci-1a2b3c4d",
            scope: "write",
            tokenId: "176310",
            previousTokenId: "176305",
            previousToken: secret("s3cr3t-token-value-0005"),
          },
        },
      ],
    });
    const held = { urn: urn(TYPE, "ci"), name: "ci-1a2b3c4d", scope: "write" };
    expect(tokensInState(rotated)).toEqual([
      { ...held, id: "176310" },
      { ...held, id: "176305", previous: true },
    ]);
    // Outputs that do not parse otherwise still give the ids held, never the (revoked) first one.
    const odd = deploymentSchema.parse({
      resources: [
        { urn: urn(TYPE, "ci"), type: TYPE, id: "176300", outputs: { scope: 7, tokenId: "176310" } },
      ],
    });
    expect(tokensInState(odd)).toEqual([{ urn: urn(TYPE, "ci"), id: "176310" }]);
  });
});

describe("interruptedOperations of updates", () => {
  const pending = (inputs: Record<string, unknown>) =>
    interruptedOperations(
      deploymentSchema.parse({
        pending_operations: [{ type: "updating", resource: { urn: urn(TYPE, "ci"), type: TYPE, inputs } }],
      }),
    ).ours;
  it("an update of a resource with an overlap may have minted (a rotation in place); others mint nothing", () => {
    const inputs = { name: "ci-1a2b3c4d", scope: "write", autoNamed: true };
    expect(pending({ ...inputs, overlap: "7d" })).toEqual([
      {
        urn: urn(TYPE, "ci"),
        operation: "updating",
        wanted: { name: "ci-1a2b3c4d", scope: "write", autoNamed: true },
      },
    ]);
    expect(pending(inputs)).toEqual([{ urn: urn(TYPE, "ci"), operation: "updating" }]);
  });
});

describe("interruptedOperations", () => {
  it("separates the ApiToken resources' pending operations from the others, with what a create was minting", () => {
    const { ours, others } = interruptedOperations(deployment);
    expect(ours).toEqual([
      {
        urn: urn(TYPE, "new"),
        operation: "creating",
        wanted: { name: "new-deadbeef", scope: "read", autoNamed: true },
        connection: { apiKey: "other-account-key-0123456789abcdef", baseUrl: "http://127.0.0.1:9" },
      },
      { urn: urn(TYPE, "ci"), operation: "deleting" },
      {
        urn: urn(TYPE, "adopted"),
        operation: "creating",
        wanted: { name: "legacy", scope: "write", autoNamed: false },
        connection: { apiKey: "nested-secret-key-0123456789abcdef" },
        adopting: true,
      },
    ]);
    expect(others.map((o) => o.resource.urn)).toEqual([urn("aws:s3/bucket:Bucket", "b")]);
  });

  it("removes only the pending operations named, keeping everything else to the letter", () => {
    const keys = new Set([pendingKey("creating", urn(TYPE, "new")), pendingKey("deleting", urn(TYPE, "ci"))]);
    const cleaned = withoutPendingOperations(raw, keys);
    expect(cleaned).toEqual({
      ...raw,
      pending_operations: [raw.pending_operations[2], raw.pending_operations[3]],
    });
    expect(raw.pending_operations).toHaveLength(4);
    // A create of the same resource is another operation than its delete.
    expect(withoutPendingOperations(raw, new Set([pendingKey("creating", urn(TYPE, "ci"))]))).toEqual(raw);
  });
});

describe("a state exported with its secrets encrypted", () => {
  const encrypted = { [SIG]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc:def" };
  const pendingCreate = (connection: unknown) =>
    deploymentSchema.parse({
      pending_operations: [
        {
          type: "creating",
          resource: {
            urn: urn(TYPE, "new"),
            type: TYPE,
            inputs: { name: "new-deadbeef", scope: "read", autoNamed: true, connection },
          },
        },
      ],
    });

  it("marks a create whose connection is encrypted, for reconcile to read that connection alone", () => {
    expect(interruptedOperations(pendingCreate(encrypted)).ours).toEqual([
      {
        urn: urn(TYPE, "new"),
        operation: "creating",
        wanted: { name: "new-deadbeef", scope: "read", autoNamed: true },
        connectionEncrypted: true,
      },
    ]);
    // From the same state exported with its secrets: the connection of each pending operation.
    expect(connectionsOfPending(raw)).toEqual(
      new Map([
        [
          pendingKey("creating", urn(TYPE, "new")),
          { apiKey: "other-account-key-0123456789abcdef", baseUrl: "http://127.0.0.1:9" },
        ],
        [pendingKey("creating", urn(TYPE, "adopted")), { apiKey: "nested-secret-key-0123456789abcdef" }],
      ]),
    );
  });

  it("compares without ciphertexts, which every write renews", () => {
    const a = { outputs: { token: encrypted, name: "x" } };
    const b = { outputs: { token: { ...encrypted, ciphertext: "v1:other" }, name: "x" } };
    expect(withoutCiphertext(a)).toEqual(withoutCiphertext(b));
    expect(withoutCiphertext(a)).not.toEqual(withoutCiphertext({ outputs: { token: encrypted, name: "y" } }));
  });

  it("probes the lock on the stack's root resource, setting its protect flag to what it is", () => {
    expect(lockProbeTarget(deployment)).toEqual({
      urn: urn("pulumi:pulumi:Stack", "tokens-dev"),
      protect: false,
    });
    const protectedOnly = deploymentSchema.parse({
      resources: [
        { urn: urn(TYPE, "a"), type: TYPE, protect: true },
        // Two entries for one URN (a replacement under way) cannot be named.
        { urn: urn(TYPE, "b"), type: TYPE },
        { urn: urn(TYPE, "b"), type: TYPE, delete: true },
      ],
    });
    expect(lockProbeTarget(protectedOnly)).toEqual({ urn: urn(TYPE, "a"), protect: true });
    expect(lockProbeTarget(deploymentSchema.parse({}))).toBeUndefined();
  });
});

describe("registerStateSecrets", () => {
  it("finds every secret's plaintext, nested in objects too", () => {
    const found: string[] = [];
    registerStateSecrets(raw, (s) => found.push(s));
    expect(found.sort()).toEqual(
      [
        "176000",
        "hidden-name",
        "http://127.0.0.1:9",
        "nested-secret-key-0123456789abcdef",
        "other-account-key-0123456789abcdef",
        "s3cr3t-token-value-0001",
      ].sort(),
    );
  });
});

describe("tokens of the utho provider plugin", () => {
  const PLUGIN = "utho:index:ApiToken";
  const PROVIDER = "pulumi:providers:utho";
  const encrypted = { [SIG]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc:def" };
  const account = urn(PROVIDER, "account");
  const plain = urn(PROVIDER, "default_0_2_0");
  /** A state of plugin tokens: one held, one create pending, each with its provider. */
  const state = (apiKey: unknown) => ({
    resources: [
      { urn: account, type: PROVIDER, id: "p1", inputs: { apiKey, baseUrl: "http://127.0.0.1:9" } },
      { urn: plain, type: PROVIDER, id: "p2", inputs: { version: "0.2.0" } },
      {
        urn: urn(PLUGIN, "ci"),
        type: PLUGIN,
        id: "176400",
        provider: `${account}::p1`,
        outputs: { name: "ci-1a2b3c4d5e6f7a8b", scope: "read", tokenId: "176400", token: encrypted },
      },
    ],
    pending_operations: [
      {
        type: "creating",
        resource: {
          urn: urn(PLUGIN, "new"),
          type: PLUGIN,
          provider: `${plain}::p2`,
          inputs: { name: "new-0a1b2c3d4e5f6a7b", scope: "write", autoNamed: true },
        },
      },
      {
        type: "creating",
        resource: {
          urn: urn(PLUGIN, "other"),
          type: PLUGIN,
          provider: `${account}::p1`,
          inputs: { name: "other-0a1b2c3d4e5f6a7b", scope: "read", autoNamed: true },
        },
      },
    ],
  });

  it("holds their tokens, and gives each pending create its provider, marked when its apiKey is encrypted", () => {
    const deployment = deploymentSchema.parse(state(encrypted));
    expect(tokensInState(deployment)).toEqual([
      { urn: urn(PLUGIN, "ci"), id: "176400", name: "ci-1a2b3c4d5e6f7a8b", scope: "read" },
    ]);
    const [defaulted, explicit] = interruptedOperations(deployment).ours;
    expect(defaulted?.provider).toEqual({ urn: plain, settings: {}, encrypted: false });
    expect(explicit?.provider).toEqual({
      urn: account,
      settings: { baseUrl: "http://127.0.0.1:9" },
      encrypted: true,
    });
    expect(providersInUse(deployment).map((p) => p.urn)).toEqual([account, plain]);
    // From the same state exported with its secrets: every provider's settings in clear.
    expect(providersOfState(state(secret("provider-key-0123456789abcdef")))).toEqual(
      new Map([
        [account, { apiKey: "provider-key-0123456789abcdef", baseUrl: "http://127.0.0.1:9" }],
        [plain, {}],
      ]),
    );
  });

  it("takes a provider the state does not hold for one whose settings must be read", () => {
    const deployment = deploymentSchema.parse({ ...state(encrypted), resources: [] });
    expect(interruptedOperations(deployment).ours[0]?.provider).toEqual({
      urn: plain,
      settings: {},
      encrypted: true,
    });
  });
});
