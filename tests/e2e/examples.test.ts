/**
 * The examples people copy, run as they are (TypeScript, importing "utho-pulumi-tokens")
 * through the real CLI: up creates what they declare, a second preview is empty, destroy
 * leaves nothing; adopt mints nothing and keeps the hand-made token; consumer calls Utho with
 * another stack's token read through a StackReference.
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

it("examples/adopt brings a hand-made token under management, minting nothing, and destroy keeps it", async () => {
  const p = await openProject("examples/adopt");
  const handMade = p.emulator.createTokenOutOfBand("ci-legacy", "write");
  await p.setConfig("legacyName", "ci-legacy");
  await p.setConfig("legacyScope", "write");
  await p.setConfig("legacyToken", handMade.secret, { secret: true });
  p.emulator.resetRequests();
  await p.pulumi(["up", "--yes"]);
  expect(p.emulator.countRequests("POST")).toBe(0);
  expect((await p.pulumi(["stack", "output", "legacyId"])).stdout.trim()).toBe(handMade.id);
  expect((await p.pulumi(["stack", "output", "legacyFingerprint"])).stdout.trim()).toMatch(
    /^sha256:[0-9a-f]{16}$/,
  );
  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["destroy", "--yes"]);
  // retainOnDelete: the hand-made token lives on.
  expect(p.emulator.listTokens().map((t) => t.id)).toEqual([handMade.id]);
});

it("examples/consumer reads the single-token stack's secret through a StackReference and calls Utho with it", async () => {
  const producer = await openProject("examples/single-token");
  await producer.pulumi(["up", "--yes", "--skip-preview"]);
  // The consumer lives in the producer's backend, as stacks that reference each other must.
  const consumer = await openProject("examples/consumer", {
    sharedEmulator: producer.emulator,
    env: { PULUMI_BACKEND_URL: `file://${producer.dir}/.state` },
  });
  await consumer.setConfig("producerStack", "organization/utho-single-token/e2e");
  producer.emulator.resetRequests();
  await consumer.pulumi(["up", "--yes", "--skip-preview"]);
  expect((await consumer.pulumi(["stack", "output", "accountId"])).stdout.trim()).toBe("41250");
  expect((await consumer.pulumi(["stack", "output", "visibleTokens"])).stdout.trim()).toBe("1");
  // The calls were made with the deployer's token (the SDK asks once each), and nothing was minted.
  expect(producer.emulator.countRequests("GET", "/v2/account/info")).toBe(1);
  expect(producer.emulator.countRequests("POST")).toBe(0);
  // The secret stays one in the consumer's state.
  const secret = await producer.secretOutput("deployerToken");
  expect(await consumer.exportState()).not.toContain(secret);
  await consumer.pulumi(["destroy", "--yes", "--skip-preview"]);
  await producer.pulumi(["destroy", "--yes", "--skip-preview"]);
  expect(producer.emulator.listTokens()).toEqual([]);
});
