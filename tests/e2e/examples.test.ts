/**
 * The examples people copy, run as they are (TypeScript, importing "utho-pulumi-tokens")
 * through the real CLI: up creates what they declare, a second preview is empty, destroy
 * leaves nothing.
 */
import { useProjects } from "../support/e2e";

const openProject = useProjects();

it.each([
  ["single-token", [["ci-deployer", "write"]]],
  [
    "per-environment",
    [
      ["cost-report-e2e", "read"],
      ["deployer-e2e", "write"],
      ["monitoring-e2e", "read"],
    ],
  ],
  [
    "rotation",
    [
      ["deployer-a", "write"],
      ["deployer-b", "write"],
    ],
  ],
])("examples/%s", async (example, expected) => {
  const p = await openProject(`examples/${example}`);
  await p.pulumi(["up", "--yes"]);
  const tokens = p.emulator
    .listTokens()
    .map((t) => [t.name.replace(/-[0-9a-f]{8}$/, ""), t.scope])
    .sort();
  expect(tokens).toEqual(expected);
  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens()).toEqual([]);
});
