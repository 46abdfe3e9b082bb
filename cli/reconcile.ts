/**
 * `utho-tokens reconcile`: what an interrupted run left behind, and its repair. A run killed
 * while the provider was minting leaves a pending "creating" operation in the state (the engine
 * records it, with the checked inputs, before it calls create), or an "updating" one for a
 * rotation in place (`overlap`), and, if Utho had minted the token, a live token that no state
 * holds. Reconcile finds those tokens, revokes the ones it can
 * prove are this stack's, and clears the ApiToken resources' pending operations.
 *
 * What counts as proof: an auto-generated name (the resource name plus 16 random hex digits, 8 before,
 * fixed when the resource was first checked) belongs to that one resource; a token with that
 * name and scope that the stack's state does not hold was minted by the interrupted create. An
 * explicit name may equally be another stack's token in the same account, so such tokens are
 * listed and left for a person (`utho-tokens audit` shows who manages what).
 *
 * "Nothing was minted" is a conclusion from absence, and Utho's list may lag: a create whose
 * token is not listed is looked for over the provider's settle window before it is concluded.
 */

import { isDeepStrictEqual } from "node:util";
import { ProviderContext, type Reporter } from "../provider/context";
import { resourceName } from "../provider/naming";
import { revokeToken } from "../provider/revoke";
import { PRODUCTION_SETTLE, type SettleTiming } from "../provider/settle";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import { type Account, accountFor } from "./account";
import { CliError, EXIT, exitCodeOf, messageOf, StackBusyError } from "./exit";
import type { StackCredentials, StackState, StateStore } from "./stack";
import {
  type Connection,
  type InterruptedOperation,
  interruptedOperations,
  pendingKey,
  tokensInState,
  withoutCiphertext,
  withoutPendingOperations,
} from "./state";

export interface PlannedOperation {
  operation: InterruptedOperation;
  /** Tokens the interrupted create minted: revoked by `--yes`. */
  revoke: UthoApiToken[];
  /** Tokens that may be its, but cannot be proven to be: left alone, named in the output. */
  leftAlone: UthoApiToken[];
  /** What happened and what reconcile does about it, in a sentence. */
  verdict: string;
  /** Something only a person can settle: tokens left alone, or a create that cannot be read. */
  needsPerson: boolean;
  account?: Account;
}

export interface ReconcilePlan {
  stack: string;
  /** The state the plan was made from: `--yes` carries it out only on this very state. */
  basis: StackState;
  operations: PlannedOperation[];
  /** Pending operations of other resources: not this tool's to clear. */
  otherPending: string[];
}

const ids = (tokens: UthoApiToken[]) => tokens.map((t) => t.id).join(", ");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Every token of the account that matches one of `wanted` and the state does not hold, looked
 * for over a settle window while some `wanted` has none.
 */
async function strays(
  account: Account,
  wanted: { name: string; scope: string }[],
  held: ReadonlySet<string>,
  settle: SettleTiming,
): Promise<UthoApiToken[]> {
  const seen = new Map<string, UthoApiToken>();
  const found = (w: { name: string; scope: string }) =>
    [...seen.values()].some((t) => t.name === w.name && t.scope === w.scope);
  for (const delay of [0, ...settle.delaysMs]) {
    if (delay > 0) await settle.sleep(delay);
    for (const token of await account.client.apiTokens.list())
      if (!held.has(token.id)) seen.set(token.id, token);
    if (wanted.every(found)) break;
  }
  return [...seen.values()];
}

function planCreate(
  operation: InterruptedOperation,
  candidates: UthoApiToken[],
  account: Account | undefined,
): PlannedOperation {
  const wanted = operation.wanted;
  if (!wanted) {
    return {
      operation,
      revoke: [],
      leftAlone: [],
      verdict: "its inputs do not say which token it was minting; check the account with `utho-tokens audit`",
      needsPerson: true,
    };
  }
  const label = `token "${wanted.name}" (${wanted.scope})`;
  const matching = candidates.filter((t) => t.name === wanted.name && t.scope === wanted.scope);
  if (matching.length === 0) {
    return {
      operation,
      revoke: [],
      leftAlone: [],
      verdict: `${label}: none was minted`,
      needsPerson: false,
      account,
    };
  }
  if (wanted.autoNamed) {
    return {
      operation,
      revoke: matching,
      leftAlone: [],
      verdict: `${label}: minted (id ${ids(matching)}) but never recorded; revoke it`,
      needsPerson: false,
      account,
    };
  }
  const one = matching.length === 1;
  return {
    operation,
    revoke: [],
    leftAlone: matching,
    verdict:
      `${label}: ${one ? "a token" : `${matching.length} tokens`} with this explicit name and scope, held by no ` +
      `state of this stack (id ${ids(matching)}). Another stack may own ${one ? "it" : "them"}, so ` +
      `${one ? "it is" : "they are"} left alone: compare with \`utho-tokens audit --stack <each stack>\` and ` +
      "revoke what nobody manages",
    needsPerson: true,
    account,
  };
}

const OTHER_VERDICTS: Record<string, string> = {
  deleting: "the token stays in the state; the next `pulumi up` or `pulumi destroy` deletes it again",
  updating: "an update without an overlap mints nothing; the resource keeps its token",
  adopting: "an adoption mints nothing; the next `pulumi up` adopts the token again",
};

/**
 * What a plan may need beyond the state, asked for only when it does: the stack's credentials
 * (when a dynamic token may have been minted), the resources' own `connection`s and the plugin
 * providers' `apiKey`s, which the state keeps encrypted (when such a resource may have minted).
 */
export interface PlanSources {
  credentials(): Promise<StackCredentials>;
  connections(): Promise<Map<string, Connection>>;
  /** The `utho` plugin's provider resources' settings, by URN, their `apiKey` in clear. */
  providers(): Promise<Map<string, Connection>>;
}

/** Looks at the stack's state and the accounts it touches; changes nothing. */
export async function planReconcile(
  state: StackState,
  sources: PlanSources,
  settle: SettleTiming = PRODUCTION_SETTLE,
): Promise<ReconcilePlan> {
  const held = new Set(tokensInState(state.deployment).map((t) => t.id));
  const { ours, others } = interruptedOperations(state.deployment);
  // A create whose inputs cannot be read may have minted too: planCreate says so.
  const mints = (op: InterruptedOperation) =>
    (op.operation === "creating" || op.wanted !== undefined) && !op.adopting;
  const creates = ours.filter((op) => mints(op) && op.wanted);
  const accounts = new Map<string, { account: Account; operations: InterruptedOperation[] }>();
  const credentials = creates.some((op) => !op.provider) ? await sources.credentials() : {};
  const connections = creates.some((op) => op.connectionEncrypted) ? await sources.connections() : new Map();
  const providers = creates.some((op) => op.provider?.encrypted) ? await sources.providers() : new Map();
  // A create with its own connection, or a provider, that cannot be read must not be looked for
  // with other credentials: that other account would say "none was minted" of a live token.
  // What could not be read, by operation.
  const unreadable = new Map<InterruptedOperation, string>();
  for (const op of creates) {
    const connection = op.connection ?? connections.get(pendingKey(op.operation, op.urn));
    // A plugin token's account is its provider's, as a dynamic one's is the stack config's.
    const { provider } = op;
    const settings = provider?.encrypted ? providers.get(provider.urn) : (provider?.settings ?? credentials);
    if (op.connectionEncrypted && connection === undefined) {
      unreadable.set(op, "its resource's own connection");
      continue;
    }
    if (settings === undefined) {
      unreadable.set(op, `its provider ${provider?.urn}`);
      continue;
    }
    const account = accountFor(settings, connection);
    const entry = accounts.get(account.key) ?? { account, operations: [] };
    entry.operations.push(op);
    accounts.set(account.key, entry);
  }
  const candidates = new Map<InterruptedOperation, { account: Account; tokens: UthoApiToken[] }>();
  for (const { account, operations } of accounts.values()) {
    const wanted = operations.flatMap((op) => (op.wanted ? [op.wanted] : []));
    const tokens = await strays(account, wanted, held, settle);
    for (const op of operations) candidates.set(op, { account, tokens });
  }
  const operations = ours.map((op): PlannedOperation => {
    const unread = unreadable.get(op);
    if (unread !== undefined) {
      return {
        operation: op,
        revoke: [],
        leftAlone: [],
        verdict:
          `token "${op.wanted?.name}" (${op.wanted?.scope}): ${unread} could not be read, so its account was not ` +
          "searched; look there for a token of that name that no stack holds, and revoke it",
        needsPerson: true,
      };
    }
    if (mints(op)) {
      const found = candidates.get(op);
      return planCreate(op, found?.tokens ?? [], found?.account);
    }
    const kind = op.adopting ? "adopting" : op.operation;
    return {
      operation: op,
      revoke: [],
      leftAlone: [],
      verdict: OTHER_VERDICTS[kind] ?? `an interrupted ${op.operation} mints nothing`,
      needsPerson: false,
    };
  });
  return {
    stack: state.name,
    basis: state,
    operations,
    otherPending: others.map((p) => `${p.type} ${p.resource.urn}`),
  };
}

/** The plan in lines a person reads. */
export function describePlan(plan: ReconcilePlan): string[] {
  if (plan.operations.length === 0) {
    return [`Stack ${plan.stack}: no interrupted operation of an ApiToken; nothing to reconcile.`];
  }
  const lines = [
    `Stack ${plan.stack}: ${plural(plan.operations.length, "interrupted operation")} of ApiToken resources`,
  ];
  for (const { operation, verdict } of plan.operations) {
    lines.push(`  ${operation.operation} ${resourceName(operation.urn)} (${operation.urn}): ${verdict}`);
  }
  for (const other of plan.otherPending) {
    lines.push(
      `  not an ApiToken, cleared too (\`pulumi stack import\` drops every pending operation): ${other}; ` +
        "check that resource with `pulumi refresh`",
    );
  }
  const revoke = plan.operations.flatMap((p) => p.revoke);
  lines.push(
    `Plan: revoke ${plural(revoke.length, "token")}${revoke.length ? ` (${ids(revoke)})` : ""}, ` +
      `clear ${plural(plan.operations.length, "pending operation")}.`,
  );
  return lines;
}

export interface ReconcileResult {
  revoked: string[];
  cleared: number;
}

/**
 * What a state is, for telling whether a run changed it: its resources and pending operations,
 * with each secret's ciphertext left out (an import encrypts every secret again, with a new
 * nonce; a run that changes a secret changes ids and timestamps beside it) and not its manifest,
 * which a write restamps.
 */
const content = (state: StackState) => ({
  resources: withoutCiphertext(state.raw.resources ?? null),
  pending: withoutCiphertext(state.raw.pending_operations ?? null),
});
const unchanged = (a: StackState, b: StackState) => isDeepStrictEqual(content(a), content(b));

/**
 * Carries the plan out, on the state it was made from and nothing else. Pulumi's CLI cannot
 * hold a stack's lock from one command to the next, so reconcile does without it and checks:
 * 1. the stack is still the plan's basis, else it stops (nothing revoked, nothing written);
 * 2. no run holds the lock: a no-op state edit takes it and lets it go (`StateStore.probeLock`),
 *    and fails while a run has it, so nothing is revoked under a run that is going on;
 * 3. it revokes the planned tokens (by id: tokens no state held when the plan was made);
 * 4. it reads the stack again and writes only if it is still the basis, without the planned
 *    pending operations (Pulumi's import drops the others too: the plan says so); a run that
 *    went on meanwhile makes it stop, writing nothing.
 * A run that starts and ends between the last read and the write, a moment, is the one it cannot
 * see. Every stop leaves the pending operations in place, so the command can simply run again.
 */
export async function applyReconcile(
  store: StateStore,
  plan: ReconcilePlan,
  settle: SettleTiming = PRODUCTION_SETTLE,
  // Long waits for a listing (a 404 being confirmed) are said on stderr, never in --json's stdout.
  report: Reporter = (message) => process.stderr.write(`utho-tokens: ${message}\n`),
): Promise<ReconcileResult> {
  if (plan.operations.length === 0) return { revoked: [], cleared: 0 };
  const changed = (when: string) =>
    new StackBusyError(
      `Stack ${plan.stack} changed ${when} (did a run go on?). Its pending operations stay as they were; run ` +
        "`utho-tokens reconcile` again for a plan of the stack as it is now.",
    );
  const current = await store.exportState(plan.stack);
  if (!unchanged(plan.basis, current)) {
    throw changed("since the plan was made; nothing was revoked and nothing written");
  }
  try {
    await store.probeLock(current);
  } catch (error) {
    if (error instanceof StackBusyError) throw new StackBusyError(`${error.message} Nothing was revoked.`);
    throw error;
  }
  const revoked: string[] = [];
  // The provider's one revocation routine, with one context (shared listings) per account: a
  // 404 counts as revoked only once a listing no longer shows the token.
  const contexts = new Map<string, ProviderContext>();
  const contextOf = (account: Account) => {
    const ctx = contexts.get(account.key) ?? new ProviderContext(account.client, settle, report);
    contexts.set(account.key, ctx);
    return ctx;
  };
  try {
    for (const { revoke, account } of plan.operations) {
      for (const token of revoke) {
        if (!account) throw new CliError(`No account to revoke token ${token.id} in.`, EXIT.failed);
        await revokeToken(contextOf(account), token.id, undefined);
        revoked.push(token.id);
      }
    }
  } catch (error) {
    throw stopped(plan.stack, `stopped after revoking ${revoked.join(", ") || "nothing"}`, error);
  }
  const latest = await store.exportState(plan.stack);
  if (!unchanged(plan.basis, latest)) {
    throw changed(
      `while reconcile revoked ${revoked.join(", ") || "nothing"} (tokens no state held); nothing was written`,
    );
  }
  const planned = new Set(plan.operations.map(({ operation: op }) => pendingKey(op.operation, op.urn)));
  await store
    .importState(plan.stack, latest.version, withoutPendingOperations(latest.raw, planned))
    .catch((error: unknown) => {
      throw stopped(
        plan.stack,
        `revoked ${revoked.join(", ") || "nothing"}, then could not write the state`,
        error,
      );
    });
  return { revoked, cleared: planned.size };
}

/**
 * Reconcile stopped part way: what it did, why, and that the pending operations stay (the next
 * run finds revoked tokens gone and clears them). The exit code is the cause's: a refused key is
 * the configuration's (2), a lock a retry (3), anything else a failure (4).
 */
function stopped(stack: string, what: string, error: unknown): CliError {
  return new CliError(
    `Reconcile of stack ${stack} ${what}: ${messageOf(error)}. Its pending operations stay as they were; ` +
      "run it again.",
    exitCodeOf(error),
    { cause: error },
  );
}
