/**
 * Never an orphan: a `pulumi up` or `destroy` killed with SIGKILL part way (a CI runner
 * cancelled), then the documented recovery, `pulumi cancel`, `utho-tokens reconcile --yes`, and
 * the run again. Afterwards every live token is held by the state and the stack has converged.
 * The emulator answers slowly, so the kill lands while requests are in flight; the kill points
 * are counts of requests the emulator has seen.
 */
import type { RunningEmulator } from "../../emulator";
import { type E2EProject, useProjects } from "../support/e2e";

const openProject = useProjects();
jest.setTimeout(300_000);

const N = 8;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Ids of the tokens the stack's state holds. */
async function heldIds(p: E2EProject): Promise<string[]> {
  const state = JSON.parse(await p.exportState()) as {
    deployment: { resources?: { type: string; id?: string }[] };
  };
  return (state.deployment.resources ?? [])
    .filter((r) => r.type === "pulumi-nodejs:dynamic/utho:ApiToken")
    .flatMap((r) => (r.id ? [r.id] : []))
    .sort();
}

const liveIds = (emulator: RunningEmulator) =>
  emulator
    .listTokens()
    .map((t) => t.id)
    .sort();

async function killAfter(p: E2EProject, args: string[], method: string, requests: number): Promise<void> {
  p.emulator.resetRequests();
  const run = p.startPulumi(args);
  await until(() => p.emulator.countRequests(method) >= requests, `${requests} ${method} requests`);
  run.kill();
  await run.exited;
}

/** `pulumi cancel`, then reconcile's plan, then reconcile --yes. */
async function recover(p: E2EProject): Promise<{ plan: string; done: string }> {
  // The killed run still holds the stack's lock.
  await p.pulumi(["cancel", "--yes"]);
  const plan = (await p.uthoTokens(["reconcile", "--stack", "e2e"])).stdout;
  const done = (await p.uthoTokens(["reconcile", "--stack", "e2e", "--yes"])).stdout;
  return { plan, done };
}

describe.each([1, 5])("up killed after %i POSTs", (kill) => {
  it("is recovered with no orphan, and the next up converges", async () => {
    const p = await openProject("tests/e2e/programs/many", { emulator: { latencyMs: 400 } });
    await p.setConfig("count", String(N));
    await killAfter(p, ["up", "--yes", "--skip-preview"], "POST", kill);
    // The emulator counts a request once it has answered it: at least one POST had minted a
    // token, and the run died before the state recorded it.
    const recorded = await heldIds(p);
    const orphans = liveIds(p.emulator).filter((id) => !recorded.includes(id));
    expect(orphans.length).toBeGreaterThan(0);

    // Before `pulumi cancel`, the killed run's lock is there, as a live run's would be: reconcile
    // refuses to act under it and revokes nothing.
    const locked = await p.uthoTokens(["reconcile", "--yes"], { expectFailure: true });
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/cannot be written: a run is going on, or a killed run left its lock/);
    expect(liveIds(p.emulator).filter((id) => !recorded.includes(id))).toEqual(orphans);

    const { plan, done } = await recover(p);
    expect(plan).toMatch(/interrupted operations? of ApiToken resources/);
    expect(plan).toMatch(/minted \(id \d+\) but never recorded; revoke it/);
    expect(plan).toMatch(/Plan: revoke [1-9]\d* tokens? \(/);
    expect(plan).toContain("Nothing was changed");
    expect(done).toMatch(/Revoked \d+(, \d+)*; cleared \d+ pending operations? from stack/);
    // The state went back through `pulumi stack import` with its secrets encrypted again.
    expect(await p.exportState()).not.toContain('"plaintext"');

    const held = await heldIds(p);
    expect(liveIds(p.emulator).filter((id) => !held.includes(id))).toEqual([]);

    await p.pulumi(["up", "--yes", "--skip-preview"]);
    const after = await heldIds(p);
    expect(after).toHaveLength(N);
    expect(liveIds(p.emulator)).toEqual(after);
    await p.pulumi(["up", "--yes", "--expect-no-changes"]);
  });
});

it("a destroy killed part way is recovered: the next destroy leaves no token and no resource", async () => {
  const p = await openProject("tests/e2e/programs/many", { emulator: { latencyMs: 400 } });
  await p.setConfig("count", String(N));
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  await killAfter(p, ["destroy", "--yes", "--skip-preview"], "DELETE", 3);
  await recover(p);
  await p.pulumi(["destroy", "--yes", "--skip-preview"]);
  expect(p.emulator.listTokens()).toEqual([]);
  expect(await heldIds(p)).toEqual([]);
});
