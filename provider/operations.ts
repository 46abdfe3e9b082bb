/**
 * The engine's entry point, loaded at run time by the serialized provider (see
 * `host.ts`; state written by earlier versions requires this very path, so it keeps its
 * name). Nothing here is captured into the Pulumi state: this module is `require`d inside the
 * dynamic provider host, so it can use zod, undici and the SDK freely.
 *
 * The host deserializes the provider once per process and calls `configure()` on it once; the
 * configured provider lives in `configured` below, the one module-level binding, and every
 * operation gets its context from it explicitly. It is built in `configure()`, before the
 * engine sends any operation: built lazily by the first create instead, its loading (undici,
 * ~0.1 s) held that create back while the rest of the first wave went ahead, and the wave's
 * lookups no longer shared their listings (tests/e2e/request-counts.test.ts caught it).
 */
import { setFlagsFromString } from "node:v8";
import type * as pulumi from "@pulumi/pulumi";
import { registerSecret } from "../sdk/redact";
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
import { withExpiry } from "./rotation";
import { type ProviderConfig, settingsFromStack } from "./settings";
import {
  type ApiTokenInputs,
  type ApiTokenOutputs,
  type CheckedInputs,
  type ConnectionSpec,
  isUnknown,
} from "./types";

// This process is Pulumi's dynamic-provider host. undici parses HTTP with llhttp compiled to
// WebAssembly, and after the first responses V8 recompiles it with its optimising tier in the
// background: +34 MB of peak memory (bench/analysis.md) for a parser that reads a few hundred
// small responses a run. Baseline-compiled WebAssembly is all it needs. (undici compiles its
// parser at the first request, after this; JavaScript is unaffected.)
setFlagsFromString("--liftoff-only");

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

export function configure(config: ProviderConfig): void {
  checkClock();
  configured = new ConfiguredProvider(settingsFromStack(config));
}

/**
 * The inputs' rules, then the provider settings the resource would use (a bad `utho:baseUrl`);
 * a passed `expiresAt` is marked in the inputs (`withExpiry`).
 */
export function check(olds: Partial<CheckedInputs>, news: Record<string, unknown>) {
  checkClock();
  const rules = checkInputs(olds, news);
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
  const result = diffToken(id, olds, news);
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
  const known = inputs as ApiTokenInputs;
  registerSecret(known.adopt?.token);
  registerSecret(known.connection?.apiKey);
  return known;
}

/** Secrets the state holds are scrubbed from anything this process prints from now on. */
function remember(props: ApiTokenOutputs): ApiTokenOutputs {
  registerSecret(props.token);
  registerSecret(props.previousToken);
  registerSecret(props.connection?.apiKey);
  return props;
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
 * Runs one engine operation in the context for `connection`, counted by its listings: the most
 * that run at once is how many callers a listing gathers (`listings.ts`).
 */
function inContext<T>(connection: ConnectionSpec | undefined, run: (ctx: ProviderContext) => Promise<T>) {
  const ctx = provider().contextFor(connection);
  return ctx.listings.operation(() => run(ctx));
}

export async function create(inputs: CheckedInputs): Promise<CreateResult> {
  const known = resolved(inputs);
  return recordingProvider(inputs, () => inContext(known.connection, (ctx) => createToken(ctx, known)));
}

export async function read(id: string, props: ApiTokenOutputs): Promise<ReadResult> {
  return inContext(remember(props).connection, (ctx) => readToken(ctx, id, props));
}

export async function update(id: string, olds: ApiTokenOutputs, news: CheckedInputs): Promise<UpdateResult> {
  const known = resolved(news);
  return recordingProvider(news, () =>
    inContext(known.connection, (ctx) => updateToken(ctx, id, remember(olds), known)),
  );
}

export async function remove(id: string, props: ApiTokenOutputs): Promise<void> {
  return inContext(remember(props).connection, (ctx) => deleteToken(ctx, id, props));
}
