/**
 * Never an orphan: runs killed with SIGKILL part way (a CI runner cancelled), then the
 * documented recovery (`tests/support/crash.ts`): a destroy killed among its DELETEs, and a
 * create killed with reconcile refused, failing and done (and nothing of it left in TMPDIR).
 * recovery-torn-and-overlap.test.ts kills a run so that it tears the file backend, and an
 * in-place rotation; `npm run crash` (tests/long) kills at twelve seeded points of every kind.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkpoint } from "../support/checkpoint";
import { crashAndRecover, killAfter, killPoints, N, SLOW_MANY, UP } from "../support/crash";
import { useProjects } from "../support/e2e";

const openProject = useProjects();
jest.setTimeout(300_000);

describe.each(killPoints(1, 81))(
  "$run killed after $after $method requests, --parallel $parallel",
  (point) => {
    it("is recovered with no orphan, and the next run converges", () => crashAndRecover(openProject, point));
  },
);

it("reconcile and audit write no secret to disk: refused, failed or done, nothing is left in TMPDIR", async () => {
  const p = await openProject(...SLOW_MANY);
  // Two tokens recorded first, so that the state holds secrets (encrypted), then a run killed.
  await p.setConfig("count", "2");
  await p.pulumi(UP);
  await p.setConfig("count", String(N));
  await killAfter(p, UP, { run: "up", method: "POST", after: 2, parallel: 8 });
  const before = await checkpoint(p.emulator, [p]);
  expect(before.orphans.length).toBeGreaterThan(0);
  // A temp folder of their own, to see every file they (and the Pulumi CLI they run) leave there.
  const tmp = mkdtempSync(path.join(tmpdir(), "utho-reconcile-tmp-"));
  const env = { TMPDIR: tmp };

  // Refused: the killed run's lock is in place. Exit 3, nothing revoked.
  const locked = await p.uthoTokens(["reconcile", "--yes"], { expectFailure: true, env });
  expect(locked.code).toBe(3);
  expect(locked.stderr).toMatch(
    /^utho-tokens: Stack \S+ is locked: a run is going on, or a killed run left its lock\..* Nothing was revoked\.\n$/,
  );
  expect((await checkpoint(p.emulator, [p])).orphans).toEqual(before.orphans);
  expect(readdirSync(tmp)).toEqual([]);
  // Audit reads the state without its secrets: it needs no passphrase.
  await p.uthoTokens(["audit", "--json"], { env: { ...env, PULUMI_CONFIG_PASSPHRASE: "" } });

  await p.pulumi(["cancel", "--yes"]);
  // Failed: every revocation refused by the API. Exit 4, the pending operations kept.
  p.emulator.injectFault({ kind: "status-error", method: "DELETE", times: Number.POSITIVE_INFINITY });
  const failed = await p.uthoTokens(["reconcile", "--yes"], { expectFailure: true, env });
  expect(failed.code).toBe(4);
  expect(failed.stderr).toMatch(/^utho-tokens: Reconcile of stack \S+ stopped after revoking nothing: /);
  expect(readdirSync(tmp)).toEqual([]);
  p.emulator.clearFaults();

  // A wrong passphrase: met at the lock probe, before any revocation; one plain line, exit 2.
  const wrong = await p.uthoTokens(["reconcile", "--yes", "--json"], {
    expectFailure: true,
    env: { ...env, PULUMI_CONFIG_PASSPHRASE: "not-it" },
  });
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(
    /^utho-tokens: Pulumi cannot decrypt the secrets of stack \S+: a wrong or missing passphrase .*\n$/,
  );
  expect(wrong.stdout).toContain('"error": "Pulumi cannot decrypt the secrets of stack');
  expect((await checkpoint(p.emulator, [p])).orphans).toEqual(before.orphans);
  expect(readdirSync(tmp)).toEqual([]);

  const done = await p.uthoTokens(["reconcile", "--yes", "--json"], { env });
  const report = JSON.parse(done.stdout) as { stacks: { applied: { revoked: string[] } }[] };
  expect(report.stacks[0]?.applied.revoked.sort()).toEqual([...before.orphans].sort());
  expect((await checkpoint(p.emulator, [p])).orphans).toEqual([]);
  expect((await p.exportSecrets()).deployment.pending_operations ?? []).toEqual([]);
  expect(readdirSync(tmp)).toEqual([]);
  rmSync(tmp, { recursive: true, force: true });
});
