/**
 * Crash points: `pulumi up` (creates, or a replacement of every token) and `destroy` killed with
 * SIGKILL part way (a CI runner cancelled), then the documented recovery: `pulumi cancel`,
 * `utho-tokens reconcile --yes`, and the run again. Afterwards no live token lacks a state, the
 * state holds no token that is gone or not its own, and the stack has converged.
 *
 * A point is a count of requests of one method that the emulator has answered; the emulator
 * answers slowly, so the kill lands with requests in flight. tests/e2e/recovery.test.ts kills at
 * one point; tests/long/crash.test.ts (`npm run crash`) at twelve, seeded.
 */
import { type Checkpoint, checkpoint, seededRandom } from "./checkpoint";
import type { E2EProject, OpenOptions } from "./e2e";

export const N = 8;

type Run = "up" | "replace" | "destroy";
export interface KillPoint {
  run: Run;
  method: "POST" | "DELETE";
  after: number;
  /** The killed run's --parallel: how many requests are in flight at the kill. */
  parallel: number;
}

type Kind = Pick<KillPoint, "run" | "method">;
const PARALLELISM = [1, 2, 4, 8];

/**
 * The kinds of point in turn (a destroy, creates, a replacement's creates, its revocations),
 * each at a seeded count and parallelism.
 */
export function killPoints(count: number, seed: number): KillPoint[] {
  const random = seededRandom(seed);
  const kinds: Kind[] = [
    { run: "destroy", method: "DELETE" },
    { run: "up", method: "POST" },
    { run: "replace", method: "POST" },
    { run: "replace", method: "DELETE" },
  ];
  return Array.from({ length: count }, (_, i) => ({
    ...(kinds[i % kinds.length] as Kind),
    after: 1 + Math.floor(random() * (N - 1)),
    parallel: PARALLELISM[Math.floor(random() * PARALLELISM.length)] as number,
  }));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const UP = ["up", "--yes", "--skip-preview"];
const DESTROY = ["destroy", "--yes", "--skip-preview"];

/** Starts `pulumi <args>` and kills it once the emulator has answered `point.after` requests. */
export async function killAfter(p: E2EProject, args: string[], point: KillPoint): Promise<void> {
  p.emulator.resetRequests();
  const run = p.startPulumi([...args, "--parallel", String(point.parallel)]);
  await until(
    () => p.emulator.countRequests(point.method) >= point.after,
    `${point.after} ${point.method} requests`,
  );
  run.kill();
  await run.exited;
}

/** `pulumi cancel`, then reconcile's plan, then reconcile --yes. */
export async function recover(p: E2EProject): Promise<{ plan: string; done: string }> {
  // The killed run still holds the stack's lock.
  await p.pulumi(["cancel", "--yes"]);
  const plan = (await p.uthoTokens(["reconcile", "--stack", "e2e"])).stdout;
  const done = (await p.uthoTokens(["reconcile", "--stack", "e2e", "--yes"])).stdout;
  return { plan, done };
}

export const clean = (point: Checkpoint) => ({
  orphans: point.orphans,
  lost: point.lost,
  shared: point.shared,
});
export const NONE = { orphans: [], lost: [], shared: [] };

/** The program every crash point runs: N tokens behind an emulator that answers in 400 ms. */
export const SLOW_MANY: [string, OpenOptions] = ["tests/e2e/programs/many", { emulator: { latencyMs: 400 } }];

/** One crash point, killed, recovered and run again, with what must hold at each step. */
export async function crashAndRecover(
  openProject: (source: string, options?: OpenOptions) => Promise<E2EProject>,
  point: KillPoint,
): Promise<void> {
  const p = await openProject(...SLOW_MANY);
  await p.setConfig("count", String(N));
  if (point.run !== "up") await p.pulumi(UP);
  if (point.run === "replace") await p.setConfig("flip", "true");
  await killAfter(p, point.run === "destroy" ? DESTROY : UP, point);
  const killed = await checkpoint(p.emulator, [p]);
  // A kill loses nothing the state holds: what was minted and never recorded is an orphan
  // (a revocation cut short leaves a resource whose token is gone, for the next run to forget).
  if (point.method === "POST") {
    expect(killed.lost).toEqual([]);
    // The kill lands before the state records the POSTs Utho has answered: orphans to recover.
    expect(killed.orphans.length).toBeGreaterThan(0);
  }
  const secrets = [p.emulator.rootKey, ...killed.held.map((h) => String(h.token))];

  const { plan, done } = await recover(p);
  const revoked = /Revoked ([\d, ]+);/.exec(done)?.[1]?.split(", ").length ?? 0;
  expect(plan).toMatch(/Nothing was changed|nothing to reconcile/);
  // Reconcile never sees the state's secrets in clear; it prints none of them either.
  for (const secret of secrets) expect(`${plan}\n${done}`).not.toContain(secret);
  if (killed.orphans.length > 0) {
    expect(plan).toMatch(/minted \(id \d+\) but never recorded; revoke it/);
    expect(done).toMatch(/Revoked \d+(, \d+)*; cleared \d+ pending operations? from stack/);
  }
  // The state went back through `pulumi stack import` with its secrets still encrypted.
  expect(await p.exportState()).not.toContain('"plaintext"');
  expect((await checkpoint(p.emulator, [p])).orphans).toEqual([]);
  expect(revoked).toBe(killed.orphans.length);

  await p.pulumi(point.run === "destroy" ? DESTROY : UP);
  const after = await checkpoint(p.emulator, [p]);
  // The figures `npm run crash` reports, a line per kill point.
  process.stdout.write(
    `crash: ${point.run} --parallel ${point.parallel} killed after ${point.after} ${point.method}s: ` +
      `${killed.orphans.length} orphans ` +
      `after the kill, reconcile revoked ${revoked}, ${after.orphans.length} orphans and ` +
      `${after.lost.length} lost after one more run\n`,
  );
  expect(clean(after)).toEqual(NONE);
  if (point.run === "destroy") {
    expect(after.live).toEqual([]);
    expect(after.held).toEqual([]);
  } else {
    expect(after.held).toHaveLength(N);
    const flipped = point.run === "replace";
    for (const held of after.held) {
      const index = Number(/token-(\d+)$/.exec(held.urn)?.[1]);
      expect(held.scope).toBe((index % 2 === 0) !== flipped ? "read" : "write");
    }
    await p.pulumi(["up", "--yes", "--expect-no-changes"]);
  }
}
