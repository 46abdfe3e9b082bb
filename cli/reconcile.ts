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

import { describe } from "../provider/errors";
import { PRODUCTION_SETTLE, type SettleTiming } from "../provider/settle";
import { UthoConfigError, UthoNotFoundError } from "../sdk/errors";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import { type Account, accountFor } from "./account";
import type { PulumiProject, StackCredentials, StackState } from "./stack";
import {
  type InterruptedOperation,
  interruptedOperations,
  pendingKey,
  resourceName,
  tokensInState,
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

/** Looks at the stack's state and the accounts it touches; changes nothing. */
export async function planReconcile(
  state: StackState,
  credentials: StackCredentials,
  settle: SettleTiming = PRODUCTION_SETTLE,
): Promise<ReconcilePlan> {
  const held = new Set(tokensInState(state.deployment).map((t) => t.id));
  const { ours, others } = interruptedOperations(state.deployment);
  // A create whose inputs cannot be read may have minted too: planCreate says so.
  const mints = (op: InterruptedOperation) =>
    (op.operation === "creating" || op.wanted !== undefined) && !op.adopting;
  const creates = ours.filter((op) => mints(op) && op.wanted);
  const accounts = new Map<string, { account: Account; operations: InterruptedOperation[] }>();
  for (const op of creates) {
    const account = accountFor(credentials, op.connection);
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
    lines.push(`  left as it is (not an ApiToken): ${other}`);
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
 * Carries the plan out. First it checks that the stack is as planned and that no run holds its
 * lock (a no-op import takes the lock, and fails while a run has it), so that nothing is revoked
 * under a run that is going on. Then it revokes, and last it clears the planned pending
 * operations, so a failure part way leaves them in the state and the command can run again.
 */
export async function applyReconcile(project: PulumiProject, plan: ReconcilePlan): Promise<ReconcileResult> {
  if (plan.operations.length === 0) return { revoked: [], cleared: 0 };
  const fresh = await project.exportState(plan.stack);
  const held = new Set(tokensInState(fresh.deployment).map((t) => t.id));
  const pending = new Set(
    interruptedOperations(fresh.deployment).ours.map((op) => pendingKey(op.operation, op.urn)),
  );
  const planned = new Set(plan.operations.map(({ operation: op }) => pendingKey(op.operation, op.urn)));
  const changed =
    [...planned].some((key) => !pending.has(key)) ||
    plan.operations.some((p) => p.revoke.some((token) => held.has(token.id)));
  if (changed) {
    throw new UthoConfigError(
      `Stack ${plan.stack} changed since the plan was made (did a run go on?). Nothing was revoked; run utho-tokens reconcile again.`,
    );
  }
  try {
    await project.importState(plan.stack, fresh.version, fresh.raw);
  } catch (error) {
    throw new UthoConfigError(
      `Stack ${plan.stack} cannot be written: a run is going on, or a killed run left its lock ` +
        `(${describe(error).trim()}). If no run is going on, run ` +
        "`pulumi cancel` first. Nothing was revoked.",
      { cause: error },
    );
  }
  const revoked: string[] = [];
  for (const { revoke, account } of plan.operations) {
    for (const token of revoke) {
      if (!account) throw new UthoConfigError(`No account to revoke token ${token.id} in.`);
      await account.client.apiTokens.delete(token.id).catch((error: unknown) => {
        if (!(error instanceof UthoNotFoundError)) throw error;
      });
      revoked.push(token.id);
    }
  }
  await project.importState(plan.stack, fresh.version, withoutPendingOperations(fresh.raw, planned));
  return { revoked, cleared: planned.size };
}
