/**
 * What a stack's state says about Utho tokens: the tokens its `ApiToken` resources hold, and the
 * operations an interrupted run left pending. Read from `pulumi stack export` (through the
 * Automation API, never by parsing CLI text); only the fields used here are validated, and the
 * rest of the deployment passes through untouched when it is imported back.
 */
import { z } from "zod";
import { tokenScopeSchema } from "../sdk/rules";

/** The type `ApiToken` registers, and the one 0.1.x registered (a plain dynamic resource). */
export const API_TOKEN_TYPE = "pulumi-nodejs:dynamic/utho:ApiToken";
const LEGACY_DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";
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

const tokenPropertiesSchema = z
  .object({
    name: z.string(),
    scope: tokenScopeSchema,
    accountId: z.string().optional(),
    autoNamed: z.boolean().optional(),
  })
  .loose();

/** The resource's name in the program: the last part of its URN. */
export const resourceName = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

function isApiToken(resource: StateResource): boolean {
  if (resource.type === API_TOKEN_TYPE) return true;
  if (resource.type !== LEGACY_DYNAMIC_TYPE) return false;
  const provider = resource.inputs?.__provider ?? resource.outputs?.__provider;
  return typeof provider === "string" && OUR_PROVIDER.test(provider);
}

export interface StateToken {
  urn: string;
  id: string;
  name: string;
  scope: "read" | "write";
  accountId?: string;
}

/** Every token the stack's `ApiToken` resources hold. */
export function tokensInState(deployment: Deployment): StateToken[] {
  return (deployment.resources ?? []).filter(isApiToken).flatMap((resource) => {
    const props = tokenPropertiesSchema.safeParse(resource.outputs);
    if (!resource.id || !props.success) return [];
    const { name, scope, accountId } = props.data;
    return [{ urn: resource.urn, id: resource.id, name, scope, ...(accountId ? { accountId } : {}) }];
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
  /** For a create: the name and scope the provider was minting (from the checked inputs). */
  wanted?: { name: string; scope: "read" | "write"; autoNamed: boolean };
  /** The resource's own credentials (its `connection` input), when it has them. */
  connection?: Connection;
}

const connectionSchema = z.object({ apiKey: z.string().optional(), baseUrl: z.string().optional() });

/** A `connection` input: in clear, or (as exported) a secret whose plaintext is its JSON. */
function connectionOf(value: unknown): Connection | undefined {
  let candidate = value;
  if (typeof value === "object" && value !== null && SECRET_SIGNATURE in value) {
    const plaintext = (value as { plaintext?: unknown }).plaintext;
    try {
      candidate = typeof plaintext === "string" ? JSON.parse(plaintext) : undefined;
    } catch {
      candidate = undefined;
    }
  }
  const parsed = connectionSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/** The pending operations that `ApiToken` resources left, and those of other resources. */
export function interruptedOperations(deployment: Deployment): {
  ours: InterruptedOperation[];
  others: PendingOperation[];
} {
  const ours: InterruptedOperation[] = [];
  const others: PendingOperation[] = [];
  for (const pending of deployment.pending_operations ?? []) {
    if (!isApiToken(pending.resource)) {
      others.push(pending);
      continue;
    }
    const inputs = tokenPropertiesSchema.safeParse(pending.resource.inputs);
    const connection = connectionOf(pending.resource.inputs?.connection);
    ours.push({
      urn: pending.resource.urn,
      operation: pending.type,
      ...(connection ? { connection } : {}),
      ...(pending.type === "creating" && inputs.success
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
 * The exported deployment, as it came, without the pending operations of `ApiToken` resources:
 * everything else (other resources' pending operations included) is kept to the letter.
 */
export function withoutOurPendingOperations(raw: Record<string, unknown>): Record<string, unknown> {
  const pending = Array.isArray(raw.pending_operations) ? raw.pending_operations : [];
  const others = pending.filter((item: unknown) => {
    const parsed = pendingOperationSchema.safeParse(item);
    return !parsed.success || !isApiToken(parsed.data.resource);
  });
  return { ...raw, pending_operations: others };
}

/**
 * Registers every secret of an exported deployment (exported with its secrets in clear, as the
 * Automation API does) for redaction, so that no message this tool prints can show one.
 */
export function registerStateSecrets(value: unknown, register: (secret: string) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) registerStateSecrets(item, register);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const record = value as Record<string, unknown>;
  if (SECRET_SIGNATURE in record && typeof record.plaintext === "string") {
    registerPlaintext(record.plaintext, register);
    return;
  }
  for (const item of Object.values(record)) registerStateSecrets(item, register);
}

/** A secret's plaintext is JSON: a string, or an object or array holding strings. */
function registerPlaintext(plaintext: string, register: (secret: string) => void): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    register(plaintext);
    return;
  }
  const walk = (item: unknown): void => {
    if (typeof item === "string") register(item);
    else if (Array.isArray(item)) item.forEach(walk);
    else if (typeof item === "object" && item !== null) Object.values(item).forEach(walk);
  };
  walk(parsed);
}
