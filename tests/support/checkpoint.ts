/**
 * What a checkpoint of the crash and soak runs measures: every live token of the account
 * against every token the given stacks' states hold, secrets included.
 */
import type { RunningEmulator } from "../../emulator";
import type { E2EProject } from "./project";

/** The dynamic `ApiToken`, and the same token as a resource of the `utho` provider plugin. */
const API_TOKEN_TYPES = ["pulumi-nodejs:dynamic/utho:ApiToken", "utho:index:ApiToken"];

export interface HeldToken {
  urn: string;
  id: string;
  scope: unknown;
  token: unknown;
  /** A replaced resource whose revocation is pending: its token may be gone already. */
  deleting: boolean;
  /** The token a rotation in place replaced, held until its overlap ends. */
  previous?: boolean;
}

export interface Checkpoint {
  /** Ids of the live tokens. */
  live: string[];
  /** Every token an ApiToken resource with an id holds (current and previous), in every state. */
  held: HeldToken[];
  /** Live tokens that no state holds: credentials nobody will revoke. */
  orphans: string[];
  /**
   * Resources whose secret is not a live token with the resource's id: a token the state lost
   * (revoked, or never its own), or a secret paired with another token's id. A replaced resource
   * waiting for its revocation does not count: its token going is what the state expects.
   */
  lost: string[];
  /** Ids that more than one resource holds. */
  shared: string[];
}

/**
 * The tokens the ApiToken resources of a stack hold, with their secrets (read with
 * --show-secrets): the current one (`tokenId`, else the resource id) and, during an overlap,
 * the previous one.
 */
export async function heldTokens(project: E2EProject): Promise<HeldToken[]> {
  const state = await project.exportSecrets();
  return (state.deployment.resources ?? [])
    .filter((r) => API_TOKEN_TYPES.includes(r.type) && r.id)
    .flatMap((r) => {
      const outputs = r.outputs ?? {};
      const current = {
        urn: r.urn,
        id: typeof outputs.tokenId === "string" ? outputs.tokenId : (r.id as string),
        scope: outputs.scope,
        token: revealed(outputs.token),
        deleting: r.delete === true,
      };
      if (typeof outputs.previousTokenId !== "string") return [current];
      const previous = { ...current, id: outputs.previousTokenId, token: revealed(outputs.previousToken) };
      return [current, { ...previous, previous: true }];
    });
}

/** A secret of `stack export --show-secrets`: `{ <sig>: <secret sig>, plaintext: <the value as JSON> }`. */
function revealed(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("plaintext" in value)) return value;
  const { plaintext } = value as { plaintext: unknown };
  return typeof plaintext === "string" ? JSON.parse(plaintext) : undefined;
}

export async function checkpoint(emulator: RunningEmulator, projects: E2EProject[]): Promise<Checkpoint> {
  const held = (await Promise.all(projects.map(heldTokens))).flat();
  const live = emulator.listTokens().map((t) => t.id);
  const heldIds = new Set(held.map((h) => h.id));
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const { id } of held) (seen.has(id) ? shared : seen).add(id);
  return {
    live,
    held,
    orphans: live.filter((id) => !heldIds.has(id)),
    lost: held
      .filter((h) => !h.deleting && (typeof h.token !== "string" || emulator.tokenIdOf(h.token) !== h.id))
      .map((h) => `${h.urn} (id ${h.id})`),
    shared: [...shared],
  };
}

/** A deterministic random source (mulberry32): the same seed draws the same faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
