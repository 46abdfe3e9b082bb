/**
 * The engine's entry point, loaded at run time by the serialized provider (see
 * `host.ts`; state written by earlier versions requires this very path, so it keeps its
 * name). Nothing here is captured into the Pulumi state: this module is `require`d inside the
 * dynamic provider host, so it can use zod, undici and the SDK freely.
 *
 * The host deserializes the provider once per process and calls `configure()` on it once; the
 * configured provider lives in `configured` below, and every operation gets its context from it
 * explicitly. (The other module-level bindings say what this process, one engine run, has
 * already said: the clock warning, `diff`'s lines.) It is built in `configure()`, before the
 * engine sends any operation: built lazily by the first create instead, its loading held that
 * create back while the rest of the first wave went ahead, and the wave's lookups no longer
 * shared their listings (tests/e2e/request-counts.test.ts caught it). undici itself is loaded
 * by the first client (`sdk/undici.ts`), synchronously, so no operation overtakes the one that
 * loads it; a preview, which sends nothing, never loads it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { withBaselineWasm } from "./baseline-wasm";
import { checkInputs } from "./check";
import { clockOverride, clockOverrideWarning } from "./clock";
import { ConfiguredProvider } from "./configured";
import { type ProviderContext, reportToStderr } from "./context";
import {
  type CreateResult,
  createToken,
  deleteToken,
  type ReadResult,
  readToken,
  type UpdateResult,
  updateToken,
} from "./crud";
import { diffToken, dueWork } from "./diff";
import { ApiTokenProviderError, PartialFailure } from "./errors";
import { type ImportResult, importToken } from "./import";
import { withExpiry } from "./rotation";
import { type ProviderConfig, settingsFromStack } from "./settings";
import { type ApiTokenInputs, type ApiTokenOutputs, type CheckedInputs, isUnknown } from "./types";

let configured: ConfiguredProvider | undefined;
let clockWarned = false;

/**
 * A malformed UTHO_TOKENS_NOW stops every operation before any request; a set one is reported
 * once per run (this process lives for one engine run).
 */
function checkClock(): void {
  const at = clockOverride();
  if (at === undefined || clockWarned) return;
  clockWarned = true;
  reportToStderr(clockOverrideWarning(at));
}

/** Without a `configure()` call (an engine older than 3.139) the environment alone supplies credentials. */
const provider = (): ConfiguredProvider => {
  checkClock();
  configured ??= new ConfiguredProvider();
  return configured;
};

/** A provider configured again (tests do) closes the connections of the one it replaces. */
export async function configure(config: ProviderConfig): Promise<void> {
  checkClock();
  const previous = configured;
  configured = new ConfiguredProvider(settingsFromStack(config));
  await previous?.close();
}

/** What is wrong with a provider's own settings (the plugin's `CheckConfig`), before any request. */
export function configProblems(config: ProviderConfig): string[] {
  return new ConfiguredProvider(settingsFromStack(config))
    .settingsProblems()
    .map((problem) => problem.reason);
}

/**
 * The inputs' rules, then the provider settings the resource would use (a bad `utho:baseUrl`);
 * a passed `expiresAt` is marked in the inputs (`withExpiry`).
 */
export function check(olds: Partial<CheckedInputs>, news: Record<string, unknown>, seed?: Uint8Array) {
  checkClock();
  const rules = checkInputs(olds, news, seed);
  const checked = rules.inputs ? { ...rules, inputs: withExpiry(rules.inputs) } : rules;
  const connection = checked.inputs?.connection;
  if (checked.failures || isUnknown(connection)) return checked;
  const failures = provider().settingsProblems(connection);
  return failures.length > 0 ? { inputs: checked.inputs, failures } : checked;
}

// What `diff` has said in this process: a run with `--refresh` asks twice (the refresh shows
// the diff as drift, then the update step), and once is enough.
const said = new Set<string>();

/**
 * The diff, and what came due with time said on the host's stderr, which the CLI prints: a
 * preview shows a dynamic resource's update or replacement but marks no property for it
 * (see `diff.ts`).
 */
export function diff(id: string, olds: ApiTokenOutputs, news: CheckedInputs): pulumi.dynamic.DiffResult {
  let result: pulumi.dynamic.DiffResult;
  try {
    result = diffToken(id, olds, news);
  } catch (error) {
    throw redacted(error);
  }
  if (!result.changes) return result;
  for (const line of dueWork(id, olds, news, (result.replaces ?? []).length > 0)) {
    if (!said.has(line)) reportToStderr(line);
    said.add(line);
  }
  return result;
}

/**
 * The engine resolves every unknown before it calls create or update; a value still unknown
 * here is a bug somewhere, and must not be sent to Utho as a name or a scope.
 */
function resolved(inputs: CheckedInputs): ApiTokenInputs {
  const unknown = Object.keys(inputs).find((key) => isUnknown(inputs[key as keyof CheckedInputs]));
  if (unknown !== undefined) {
    throw new ApiTokenProviderError(
      `ApiToken input ${unknown} is still unknown at create or update; nothing was done.`,
    );
  }
  // Every value is known now, which is all that tells the two types apart.
  return inputs as ApiTokenInputs;
}

/**
 * The context for a resource, whose client from now on also replaces the secrets its inputs or
 * state hold (a supplied `adopt.token`, the current and previous tokens) in what it says.
 */
function contextOf(
  resource: Pick<ApiTokenInputs, "connection"> & {
    adopt?: { token?: string };
    token?: string;
    previousToken?: string;
  },
): ProviderContext {
  const context = provider().contextFor(resource.connection);
  for (const secret of [resource.adopt?.token, resource.token, resource.previousToken]) {
    context.client.secrets.add(secret);
  }
  return context;
}

/**
 * What an operation throws, with the secrets of every context's client replaced (a message may
 * quote another resource's), its causes' too.
 */
function redacted(error: unknown): unknown {
  return configured ? configured.redactError(error) : error;
}

/** Runs one operation that may call Utho; what it throws leaves `redacted`. */
async function calling<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await withBaselineWasm(operation);
  } catch (error) {
    throw redacted(error);
  }
}

/**
 * A partial failure's outputs get the serialized provider the inputs carry: the host adds it to
 * the outputs of a success only, and `read` and `delete` run the provider stored there.
 */
async function recordingProvider<T>(inputs: CheckedInputs, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof PartialFailure) {
      const serialized = (inputs as { __provider?: unknown }).__provider;
      if (serialized !== undefined) error.properties.__provider = serialized;
    }
    throw error;
  }
}

/**
 * Runs one engine operation in the context for `resource` (see `contextOf`), counted by its
 * listings: the most that run at once is how many callers a listing gathers (`listings.ts`).
 */
function inContext<T>(
  resource: Parameters<typeof contextOf>[0],
  run: (ctx: ProviderContext) => Promise<T>,
): Promise<T> {
  const ctx = contextOf(resource);
  return ctx.listings.operation(() => run(ctx));
}

export async function create(inputs: CheckedInputs): Promise<CreateResult> {
  const known = resolved(inputs);
  return calling(() => recordingProvider(inputs, () => inContext(known, (ctx) => createToken(ctx, known))));
}

export async function read(id: string, props: ApiTokenOutputs): Promise<ReadResult> {
  return calling(() => inContext(props, (ctx) => readToken(ctx, id, props)));
}

/** An import's read (the plugin's): the token by its id, with no state to start from. */
export async function importExisting(id: string): Promise<ImportResult | undefined> {
  return calling(() => inContext({}, (ctx) => importToken(ctx, id)));
}

export async function update(id: string, olds: ApiTokenOutputs, news: CheckedInputs): Promise<UpdateResult> {
  const known = resolved(news);
  return calling(() =>
    recordingProvider(news, () => {
      contextOf(olds);
      return inContext(known, (ctx) => updateToken(ctx, id, olds, known));
    }),
  );
}

export async function remove(id: string, props: ApiTokenOutputs): Promise<void> {
  return calling(() => inContext(props, (ctx) => deleteToken(ctx, id, props)));
}
