/**
 * What a stack's state says about Utho tokens: the tokens its `ApiToken` resources hold, and the
 * operations an interrupted run left pending. Read from `pulumi stack export`'s JSON, its secrets
 * still encrypted (none of the fields read here is a secret, but for a resource's `connection`);
 * only the fields used here are validated, and the rest of the deployment passes through
 * untouched when it is imported back.
 */
import { z } from "zod";
import { tokenScopeSchema } from "../sdk/rules";

/** The type `ApiToken` registers, and the one 0.1.x registered (a plain dynamic resource). */
export const API_TOKEN_TYPE = "pulumi-nodejs:dynamic/utho:ApiToken";
const LEGACY_DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";
/**
 * The same token as a resource of the `utho` provider plugin, and that plugin's provider
 * resources: a plugin token's account is its provider's `apiKey` and `baseUrl` (else the
 * environment's), where a dynamic one's is the stack's `utho:` config.
 */
export const PLUGIN_TOKEN_TYPE = "utho:index:ApiToken";
const PLUGIN_PROVIDER_TYPE = "pulumi:providers:utho";
/** A 0.1.x resource is ours when its serialized provider loads this package's provider. */
const OUR_PROVIDER = /utho-pulumi-tokens|dist\/provider\/(operations|host)/;

/** Pulumi's mark of a secret value in an exported deployment. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

const propertiesSchema = z.record(z.string(), z.unknown());

const resourceSchema = z
  .object({
    urn: z.string(),
    type: z.string(),
    id: z.string().optional(),
    inputs: propertiesSchema.optional(),
    outputs: propertiesSchema.optional(),
    /** A plugin resource's provider: the provider resource's URN and id, joined by `::`. */
    provider: z.string().optional(),
  })
  .loose();

const pendingOperationSchema = z
  .object({
    resource: resourceSchema,
    type: z.string(),
  })
  .loose();

export const deploymentSchema = z
  .object({
    resources: z.array(resourceSchema).nullish(),
    pending_operations: z.array(pendingOperationSchema).nullish(),
  })
  .loose();

export type Deployment = z.output<typeof deploymentSchema>;
type StateResource = z.output<typeof resourceSchema>;
export type PendingOperation = z.output<typeof pendingOperationSchema>;

/**
 * `value` with every secret in it unwrapped: exported with its secrets in clear, a deployment
 * holds each secret as `{ <signature>, plaintext: <its JSON> }`, as a whole or nested. A secret
 * still encrypted (`ciphertext`) becomes undefined.
 */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (SECRET_SIGNATURE in record) {
    if (typeof record.plaintext !== "string") return undefined;
    try {
      return unwrapSecrets(JSON.parse(record.plaintext));
    } catch {
      return record.plaintext;
    }
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, unwrapSecrets(item)]));
}

/** `value` with every secret's `ciphertext` dropped (its place, marked secret, kept). */
export function withoutCiphertext(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCiphertext);
  if (typeof value !== "object" || value === null) return value;
  if (SECRET_SIGNATURE in value)
    return { [SECRET_SIGNATURE]: (value as Record<string, unknown>)[SECRET_SIGNATURE] };
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutCiphertext(item)]));
}

const tokenPropertiesSchema = z
  .object({
    name: z.string(),
    scope: tokenScopeSchema,
    accountId: z.string().optional(),
    autoNamed: z.boolean().optional(),
    overlap: z.string().optional(),
  })
  .loose();

/** Read on their own: a token held must count as held even if the rest of the outputs do not parse. */
const heldIdsSchema = z
  .object({ tokenId: z.string().optional(), previousTokenId: z.string().optional() })
  .loose();

function isApiToken(resource: StateResource): boolean {
  if (resource.type === API_TOKEN_TYPE || resource.type === PLUGIN_TOKEN_TYPE) return true;
  if (resource.type !== LEGACY_DYNAMIC_TYPE) return false;
  const provider = resource.inputs?.__provider ?? resource.outputs?.__provider;
  return typeof provider === "string" && OUR_PROVIDER.test(provider);
}

export interface StateToken {
  urn: string;
  id: string;
  /** As the outputs record them; absent if they cannot be read (the id is what counts). */
  name?: string;
  scope?: "read" | "write";
  accountId?: string;
  /** The token an in-place rotation replaced, still valid during the overlap. */
  previous?: boolean;
}

/**
 * Every token the stack's `ApiToken` resources hold: each such resource with an id, whatever
 * its outputs look like, for a token a resource holds must never be taken for an orphan. A
 * resource holds its current token (`tokenId`, else its id: older states and resources
 * never rotated in place) and, during an overlap, the previous one (`previousTokenId`).
 */
export function tokensInState(deployment: Deployment): StateToken[] {
  return (deployment.resources ?? []).filter(isApiToken).flatMap((resource) => {
    if (!resource.id) return [];
    const outputs = unwrapSecrets(resource.outputs);
    const props = tokenPropertiesSchema.safeParse(outputs);
    const { name, scope, accountId } = props.success ? props.data : {};
    const ids = heldIdsSchema.safeParse(outputs);
    const { tokenId, previousTokenId } = ids.success ? ids.data : {};
    const token = {
      urn: resource.urn,
      ...(name === undefined ? {} : { name }),
      ...(scope === undefined ? {} : { scope }),
      ...(accountId ? { accountId } : {}),
    };
    return [
      { ...token, id: tokenId ?? resource.id },
      ...(previousTokenId === undefined ? [] : [{ ...token, id: previousTokenId, previous: true }]),
    ];
  });
}

export interface Connection {
  apiKey?: string;
  baseUrl?: string;
}

export interface InterruptedOperation {
  urn: string;
  /** Pulumi's word: creating, updating, deleting, reading, importing. */
  operation: string;
  /**
   * For an operation that may have minted (a create; an update that rotates in place): the name
   * and scope of the token (from the checked inputs).
   */
  wanted?: { name: string; scope: "read" | "write"; autoNamed: boolean };
  /** The resource's own credentials (its `connection` input), when it has them in clear. */
  connection?: Connection;
  /** It has a `connection`, encrypted in the state: {@link connectionsOfPending} reads it. */
  connectionEncrypted?: boolean;
  /** A create that adopts an existing token: it mints nothing. */
  adopting?: boolean;
  /** A plugin token's provider, whose settings stand where the stack's config does for a dynamic one. */
  provider?: PluginProvider;
}

/**
 * A `pulumi:providers:utho` resource: its URN and its settings (`apiKey`, `baseUrl`) as the state
 * shows them. `encrypted`: its `apiKey` is a secret, or it is not in the state, so `settings` may
 * lack what {@link providersOfState} reads from the state exported with its secrets.
 */
export interface PluginProvider {
  urn: string;
  settings: Connection;
  encrypted: boolean;
}

const connectionSchema = z.object({ apiKey: z.string().optional(), baseUrl: z.string().optional() });

/** The settings of every plugin provider resource of a deployment, by URN, as far as they are in clear. */
function pluginProviders(deployment: Deployment): Map<string, PluginProvider> {
  const providers = new Map<string, PluginProvider>();
  for (const resource of deployment.resources ?? []) {
    if (resource.type !== PLUGIN_PROVIDER_TYPE) continue;
    const settings = connectionSchema.safeParse(unwrapSecrets(resource.inputs ?? {}));
    const clear = settings.success ? settings.data : {};
    // Either setting may be a secret (`config set --secret utho:baseUrl`): read without the
    // secrets, the provider would seem to name the environment's account, or production's.
    const encrypted = (["apiKey", "baseUrl"] as const).some(
      (key) => resource.inputs?.[key] !== undefined && clear[key] === undefined,
    );
    providers.set(resource.urn, { urn: resource.urn, settings: clear, encrypted });
  }
  return providers;
}

/** A plugin token's provider, from its reference (`<urn>::<id>`); a dynamic token has none. */
function providerOf(
  resource: StateResource,
  providers: Map<string, PluginProvider>,
): PluginProvider | undefined {
  if (resource.type !== PLUGIN_TOKEN_TYPE || !resource.provider) return undefined;
  const urn = resource.provider.slice(0, resource.provider.lastIndexOf("::"));
  return providers.get(urn) ?? { urn, settings: {}, encrypted: true };
}

/** The providers of the stack's plugin tokens, pending ones included, each once. */
export function providersInUse(deployment: Deployment): PluginProvider[] {
  const providers = pluginProviders(deployment);
  const used = new Map<string, PluginProvider>();
  const pending = (deployment.pending_operations ?? []).map((op) => op.resource);
  for (const resource of [...(deployment.resources ?? []), ...pending]) {
    const provider = providerOf(resource, providers);
    if (provider) used.set(provider.urn, provider);
  }
  return [...used.values()];
}

/** The settings of the plugin's provider resources, by URN, from a deployment exported with its secrets. */
export function providersOfState(raw: Record<string, unknown>): Map<string, Connection> {
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) return new Map();
  return new Map([...pluginProviders(parsed.data)].map(([urn, provider]) => [urn, provider.settings]));
}

/**
 * Whether an interrupted operation may have minted a token: a create, or an update of a
 * resource with an `overlap` (a rotation in place mints the new token in the update).
 */
const mayMint = (operation: string, overlap: string | undefined): boolean =>
  operation === "creating" || (operation === "updating" && overlap !== undefined);

/** The pending operations that `ApiToken` resources left, and those of other resources. */
export function interruptedOperations(deployment: Deployment): {
  ours: InterruptedOperation[];
  others: PendingOperation[];
} {
  const ours: InterruptedOperation[] = [];
  const others: PendingOperation[] = [];
  const providers = pluginProviders(deployment);
  for (const pending of deployment.pending_operations ?? []) {
    if (!isApiToken(pending.resource)) {
      others.push(pending);
      continue;
    }
    const raw = unwrapSecrets(pending.resource.inputs) as Record<string, unknown> | undefined;
    const inputs = tokenPropertiesSchema.safeParse(raw);
    const connection = connectionSchema.safeParse(raw?.connection);
    const encrypted = !connection.success && pending.resource.inputs?.connection !== undefined;
    const provider = providerOf(pending.resource, providers);
    ours.push({
      urn: pending.resource.urn,
      operation: pending.type,
      ...(connection.success ? { connection: connection.data } : {}),
      ...(encrypted ? { connectionEncrypted: true } : {}),
      ...(raw?.adopt === undefined ? {} : { adopting: true }),
      ...(provider ? { provider } : {}),
      ...(inputs.success && mayMint(pending.type, inputs.data.overlap)
        ? {
            wanted: {
              name: inputs.data.name,
              scope: inputs.data.scope,
              autoNamed: inputs.data.autoNamed === true,
            },
          }
        : {}),
    });
  }
  return { ours, others };
}

/**
 * A resource whose `protect` flag `pulumi state protect|unprotect` can set to what it already is:
 * the stack's root resource if it has one, else any resource whose URN is its own. Undefined for
 * a state without one.
 */
export function lockProbeTarget(deployment: Deployment): { urn: string; protect: boolean } | undefined {
  const resources = deployment.resources ?? [];
  const unique = resources.filter((r) => resources.filter((other) => other.urn === r.urn).length === 1);
  const target = unique.find((r) => r.type === "pulumi:pulumi:Stack") ?? unique[0];
  return target && { urn: target.urn, protect: target.protect === true };
}

/** What identifies a pending operation: its kind and its resource's URN. */
export const pendingKey = (operation: string, urn: string): string => `${operation} ${urn}`;

/** The `connection` of each pending operation ({@link pendingKey}), from a deployment exported with its secrets. */
export function connectionsOfPending(raw: Record<string, unknown>): Map<string, Connection> {
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) return new Map();
  return new Map(
    interruptedOperations(parsed.data).ours.flatMap(({ operation, urn, connection }) =>
      connection === undefined ? [] : [[pendingKey(operation, urn), connection] as const],
    ),
  );
}

/**
 * The exported deployment, as it came, without the pending operations named in `keys`
 * ({@link pendingKey}): everything else, other pending operations included, is kept to the letter.
 */
export function withoutPendingOperations(
  raw: Record<string, unknown>,
  keys: ReadonlySet<string>,
): Record<string, unknown> {
  const pending = Array.isArray(raw.pending_operations) ? raw.pending_operations : [];
  const kept = pending.filter((item: unknown) => {
    const parsed = pendingOperationSchema.safeParse(item);
    return !parsed.success || !keys.has(pendingKey(parsed.data.type, parsed.data.resource.urn));
  });
  return { ...raw, pending_operations: kept };
}

/**
 * Registers every secret of a deployment exported with its secrets in clear for redaction, so
 * that no message this tool prints can show one.
 */
export function registerStateSecrets(value: unknown, register: (secret: string) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) registerStateSecrets(item, register);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  if (SECRET_SIGNATURE in value) {
    registerStrings(unwrapSecrets(value), register);
    return;
  }
  for (const item of Object.values(value)) registerStateSecrets(item, register);
}

function registerStrings(value: unknown, register: (secret: string) => void): void {
  if (typeof value === "string") register(value);
  else if (Array.isArray(value)) for (const item of value) registerStrings(item, register);
  else if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) registerStrings(item, register);
  }
}
