/**
 * The examples people copy, run as they are (TypeScript, importing "utho-pulumi-tokens")
 * through the real CLI: up creates what they declare, a second preview is empty, destroy
 * leaves nothing.
 */
import { provisionPulumi } from "../../scripts/engine";
import { type E2EProject, openProject } from "../support/e2e";

let pulumiBinary: string;
let project: E2EProject | undefined;
beforeAll(() => {
  pulumiBinary = provisionPulumi();
});
afterEach(async () => {
  await project?.close();
  project = undefined;
});

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
  project = await openProject(`examples/${example}`, pulumiBinary);
  const p = project;
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
