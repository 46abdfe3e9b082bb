/**
 * The `utho` provider plugin from Pulumi's plugin cache, and `utho-tokens` with its tokens.
 * `utho-tokens plugin install`, run from the installed package, puts its plugin into the
 * project's PULUMI_HOME; a YAML program that names no path then finds it (ambient plugins
 * ignored, automatic downloads off). A run killed while it mints leaves tokens no state holds:
 * `audit` shows them unmanaged and `reconcile` revokes them, both finding the account through
 * the tokens' explicit provider, whose key is a secret of the state, for the stack's config and
 * the environment hold none. Then the cache is emptied and the project names the folder
 * `utho-tokens plugin path` prints (`plugins.providers[].path`) instead.
 */
import { appendFileSync, rmSync } from "node:fs";
import path from "node:path";
import { SDK_VERSION } from "../../sdk/version";
import { checkpoint } from "../support/checkpoint";
import { killAfter, recover, UP } from "../support/crash";
import { useProjects } from "../support/e2e";

const openProject = useProjects();

interface AuditJson {
  tokens: { id: string; managedBy: { resource: string }[]; flags: string[] }[];
}

it("installs the plugin into the cache; audit and reconcile find a killed run's plugin tokens through their provider", async () => {
  const p = await openProject("tests/e2e/programs/plugin-yaml", {
    credentials: "none",
    // Slow answers: the kill lands with creates in flight.
    emulator: { latencyMs: 400 },
    env: { PULUMI_IGNORE_AMBIENT_PLUGINS: "true" },
  });
  await p.setConfig("accountKey", p.emulator.rootKey, { secret: true });
  await p.setConfig("accountUrl", p.emulator.baseUrl);

  const install = await p.uthoTokens(["plugin", "install"]);
  const installed = path.join(p.dir, ".state/.pulumi-home/plugins", `resource-utho-v${SDK_VERSION}`);
  expect(install.stdout).toBe(`Installed the utho plugin ${SDK_VERSION} in ${installed}\n`);

  await killAfter(p, UP, { run: "up", method: "POST", after: 1, parallel: 4 });
  const killed = await checkpoint(p.emulator, [p]);
  expect(killed.lost).toEqual([]);
  expect(killed.orphans.length).toBeGreaterThan(0);

  // The killed run still holds the lock: audit reads the state all the same.
  const audit = await p.uthoTokens(["audit", "--json"]);
  const report = JSON.parse(audit.stdout) as AuditJson;
  const unmanaged = report.tokens.filter((t) => t.managedBy.length === 0).map((t) => t.id);
  expect(unmanaged.sort()).toEqual([...killed.orphans].sort());
  for (const held of killed.held) {
    const token = report.tokens.find((t) => t.id === held.id);
    expect(token?.managedBy.map((m) => m.resource)).toEqual([held.urn.slice(held.urn.lastIndexOf("::") + 2)]);
  }

  const { plan, done } = await recover(p);
  expect(plan).toMatch(/minted \(id \d+\) but never recorded; revoke it/);
  const revoked = /Revoked ([\d, ]+);/.exec(done)?.[1]?.split(", ") ?? [];
  expect(revoked.sort()).toEqual([...killed.orphans].sort());
  const secrets = [p.emulator.rootKey, ...killed.held.map((h) => String(h.token))];
  for (const secret of secrets) expect(`${audit.stdout}\n${plan}\n${done}`).not.toContain(secret);
  // The state went back through `pulumi stack import` with its secrets still encrypted.
  expect(await p.exportState()).not.toContain('"plaintext"');

  await p.pulumi(UP);
  const after = await checkpoint(p.emulator, [p]);
  expect({ orphans: after.orphans, lost: after.lost, held: after.held.length }).toEqual({
    orphans: [],
    lost: [],
    held: 4,
  });

  // The other way to the plugin: the folder `plugin path` prints, named in Pulumi.yaml, with
  // the cache emptied.
  rmSync(installed, { recursive: true });
  const bin = (await p.uthoTokens(["plugin", "path"])).stdout.trim();
  expect(bin).toBe(path.join(p.dir, "node_modules/utho-pulumi-tokens/bin"));
  appendFileSync(
    path.join(p.dir, "Pulumi.yaml"),
    `plugins:\n  providers:\n    - name: utho\n      path: ${bin}\n`,
  );
  await p.pulumi(["preview", "--expect-no-changes"]);
});
