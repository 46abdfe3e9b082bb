/**
 * Never an orphan, after two kills that need more than the usual recovery
 * (`tests/support/crash.ts`): a kill that tears the file backend's metadata, which reconcile
 * mends behind --repair-backend, and a run killed while it rotated a token in place (overlap).
 */
import { mkdtempSync, rmSync, truncateSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkpoint } from "../support/checkpoint";
import { clean, killAfter, N, NONE, recover, UP } from "../support/crash";
import { useProjects } from "../support/e2e";

const openProject = useProjects();

it("a kill that tears the file backend's metadata leaves the stack unreadable; reconcile mends it, then recovers as ever", async () => {
  // The default file backend, with the `.attrs` sidecars the harness's `metadata=skip` avoids.
  const backend = mkdtempSync(path.join(tmpdir(), "utho-torn-"));
  const p = await openProject("tests/e2e/programs/many", {
    emulator: { latencyMs: 400 },
    env: { PULUMI_BACKEND_URL: `file://${backend}` },
  });
  await p.setConfig("count", String(N));
  await killAfter(p, UP, { run: "up", method: "POST", after: 2, parallel: 8 });
  expect((await checkpoint(p.emulator, [p])).orphans.length).toBeGreaterThan(0);
  // What a kill between the backend's truncation of the sidecar and its write leaves (a window
  // of microseconds, met once in CI): an empty sidecar, written a while ago.
  const sidecar = path.join(backend, ".pulumi", "stacks", "e2e-many", "e2e.json.attrs");
  truncateSync(sidecar, 0);
  const aMinuteAgo = new Date(Date.now() - 60_000);
  utimesSync(sidecar, aMinuteAgo, aMinuteAgo);

  const cancel = await p.pulumi(["cancel", "--yes"], { expectFailure: true });
  expect(cancel.stderr).toContain("failed to load checkpoint: EOF");
  const audit = await p.uthoTokens(["audit", "--stack", "e2e"], { expectFailure: true });
  expect(audit.stderr).toMatch(
    /cannot read (stack \S*e2e|the project) \(EOF\).*`utho-tokens reconcile --stack <name> --repair-backend`/,
  );

  // Without --repair-backend it is only reported, even with --yes.
  const plan = await p.uthoTokens(["reconcile", "--stack", "e2e", "--yes"], { expectFailure: true });
  expect(plan.code).toBe(1);
  expect(plan.stdout).toContain(
    `has 1 torn metadata file, left by a run killed while it saved the state: ${sidecar}`,
  );
  // Mended, the stack reads again; the killed run's lock is still there, so nothing is revoked yet.
  const mended = await p.uthoTokens(["reconcile", "--stack", "e2e", "--repair-backend", "--yes"], {
    expectFailure: true,
  });
  expect(mended.stdout).toContain("Removed it; the stack reads as its last saved checkpoint.");
  expect(mended.code).toBe(3);
  expect(mended.stderr).toMatch(/killed run left its lock/);

  const { done } = await recover(p);
  expect(done).toMatch(/Revoked \d+(, \d+)*; cleared \d+ pending operations? from stack/);
  await p.pulumi(UP);
  expect(clean(await checkpoint(p.emulator, [p]))).toEqual(NONE);
  await p.pulumi(["up", "--yes", "--expect-no-changes"]);
  rmSync(backend, { recursive: true, force: true });
});

it("a run killed while it rotated a token in place (overlap) is reconciled: the new token is revoked, the two held kept", async () => {
  const p = await openProject("tests/e2e/programs/token", { emulator: { latencyMs: 400 } });
  await p.setConfig("overlap", "7d");
  await p.setConfig("rotation", "r1");
  await p.pulumi(UP);
  await p.setConfig("rotation", "r2");
  await p.pulumi(UP);
  await p.setConfig("rotation", "r3");
  // The update revokes the previous token (1 DELETE), then mints: killed once Utho has answered the POST.
  await killAfter(p, UP, { run: "up", method: "POST", after: 1, parallel: 1 });
  const killed = await checkpoint(p.emulator, [p]);
  expect(killed.orphans).toHaveLength(1);
  const { plan, done } = await recover(p);
  expect(plan).toMatch(/updating token .*minted \(id \d+\) but never recorded; revoke it/);
  expect(done).toContain(`Revoked ${killed.orphans[0]}; cleared 1 pending operation from stack`);
  expect((await checkpoint(p.emulator, [p])).orphans).toEqual([]);
  await p.pulumi(UP);
  const after = await checkpoint(p.emulator, [p]);
  expect(clean(after)).toEqual(NONE);
  // The current token and the one it replaced, still in its overlap.
  expect(after.held.map((h) => Boolean(h.previous))).toEqual([false, true]);
  await p.pulumi(["up", "--yes", "--expect-no-changes"]);
});
