/**
 * `utho-tokens audit`: every token in the account, with who manages it. A token is managed when
 * the state of one of the given stacks holds its id; anything else is `unmanaged`, a credential
 * nobody will revoke unless a person does. Findings: unmanaged tokens (Write ones above all),
 * tokens older than a threshold, names held by more than one token, and the ones a stack holds
 * that the account no longer lists.
 */

import { parseUthoTime } from "../provider/clock";
import { resourceName } from "../provider/naming";
import type { UthoApiToken } from "../sdk/resources/api-tokens";
import type { StateToken } from "./state";
import { formatTable } from "./table";

export const FAIL_ON = ["unmanaged", "stale", "write"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export type Flag = "unmanaged" | "unmanaged write" | "stale" | "duplicate name";

export interface AuditedToken {
  id: string;
  name: string;
  scope: "read" | "write";
  createdAt: string;
  /** Whole days since `createdAt`; undefined when Utho's timestamp cannot be read. */
  ageDays?: number;
  managedBy: { stack: string; resource: string; urn: string }[];
  flags: Flag[];
}

export interface AuditReport {
  accountId: string;
  stacks: string[];
  staleAfter: string;
  tokens: AuditedToken[];
  /** Things the table cannot show: tokens of other accounts, tokens gone from the account. */
  notes: string[];
}

export interface AuditedStack {
  name: string;
  tokens: StateToken[];
}

const DAY_MS = 86_400_000;

export function auditAccount(
  listing: readonly UthoApiToken[],
  stacks: readonly AuditedStack[],
  accountId: string,
  policy: { staleAfter: string; staleAfterMs: number; now: number },
): AuditReport {
  const notes: string[] = [];
  const managers = new Map<string, AuditedToken["managedBy"]>();
  const listed = new Set(listing.map((t) => t.id));
  for (const stack of stacks) {
    // Without an account id from the key (none reported), no token can be placed elsewhere.
    const inOtherAccount = (t: StateToken) => Boolean(accountId && t.accountId && t.accountId !== accountId);
    const elsewhere = stack.tokens.filter(inOtherAccount);
    if (elsewhere.length > 0) {
      notes.push(
        `stack ${stack.name}: ${elsewhere.length} of its tokens are in another Utho account (` +
          `${[...new Set(elsewhere.map((t) => t.accountId))].join(", ")}), not audited with this key (account ${accountId})`,
      );
    }
    for (const token of stack.tokens) {
      if (inOtherAccount(token)) continue;
      if (!listed.has(token.id)) {
        notes.push(
          `stack ${stack.name}: resource ${resourceName(token.urn)} holds token ${token.id}, which the account does ` +
            "not list (deleted outside Pulumi?): `pulumi refresh` drops it and the next `pulumi up` mints it again",
        );
        continue;
      }
      const list = managers.get(token.id) ?? [];
      const resource = `${resourceName(token.urn)}${token.previous ? " (previous token, in its overlap)" : ""}`;
      list.push({ stack: stack.name, resource, urn: token.urn });
      managers.set(token.id, list);
    }
  }
  const nameCounts = new Map<string, number>();
  for (const token of listing) nameCounts.set(token.name, (nameCounts.get(token.name) ?? 0) + 1);

  const tokens = listing.map((token): AuditedToken => {
    const created = parseUthoTime(token.createdAt);
    const ageDays =
      created === undefined ? undefined : Math.max(0, Math.floor((policy.now - created) / DAY_MS));
    const managedBy = managers.get(token.id) ?? [];
    const flags: Flag[] = [];
    if (managedBy.length === 0) flags.push(token.scope === "write" ? "unmanaged write" : "unmanaged");
    if (created !== undefined && policy.now - created > policy.staleAfterMs) flags.push("stale");
    if ((nameCounts.get(token.name) ?? 0) > 1) flags.push("duplicate name");
    return {
      id: token.id,
      name: token.name,
      scope: token.scope,
      createdAt: token.createdAt,
      ...(ageDays === undefined ? {} : { ageDays }),
      managedBy,
      flags,
    };
  });
  return { accountId, stacks: stacks.map((s) => s.name), staleAfter: policy.staleAfter, tokens, notes };
}

const isUnmanaged = (t: AuditedToken) => t.flags.includes("unmanaged") || t.flags.includes("unmanaged write");

const MATCHES: Record<FailOn, (t: AuditedToken) => boolean> = {
  unmanaged: isUnmanaged,
  write: (t) => t.flags.includes("unmanaged write"),
  stale: (t) => t.flags.includes("stale"),
};

const DESCRIBED: Record<FailOn, string> = {
  unmanaged: "unmanaged",
  write: "unmanaged Write",
  stale: "stale",
};

/** One sentence per `--fail-on` condition that holds; none when the audit passes. */
export function failures(report: AuditReport, failOn: readonly FailOn[]): string[] {
  return failOn.flatMap((condition) => {
    const hits = report.tokens.filter(MATCHES[condition]);
    if (hits.length === 0) return [];
    const what = `${hits.length} ${DESCRIBED[condition]} token${hits.length === 1 ? "" : "s"}`;
    return [`${what} (${hits.map((t) => t.id).join(", ")}): --fail-on ${condition}`];
  });
}

/** The report as a table and a summary, for people. */
export function formatAudit(report: AuditReport): string {
  const rows = report.tokens.map((t) => [
    t.id,
    t.name,
    t.scope,
    t.createdAt,
    t.ageDays === undefined ? "?" : `${t.ageDays}d`,
    t.managedBy.map((m) => `${m.stack}/${m.resource}`).join(", ") || "unmanaged",
    t.flags.join(", "),
  ]);
  const table = formatTable([["id", "name", "scope", "created at", "age", "managed by", "flags"], ...rows], {
    alignRight: [4],
  });
  const count = (flag: Flag) => report.tokens.filter((t) => t.flags.includes(flag)).length;
  const managed = report.tokens.filter((t) => !isUnmanaged(t)).length;
  const summary =
    `${report.tokens.length} tokens in Utho account ${report.accountId}: ${managed} managed by ` +
    `${report.stacks.join(", ") || "no stack"}, ${count("unmanaged") + count("unmanaged write")} unmanaged ` +
    `(${count("unmanaged write")} Write), ${count("stale")} older than ${report.staleAfter}, ` +
    `${count("duplicate name")} sharing a name.`;
  return [table, "", summary, ...report.notes.map((note) => `note: ${note}`)].join("\n");
}
