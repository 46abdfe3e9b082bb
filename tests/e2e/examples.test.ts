/**
 * The examples people copy, run as their READMEs say (TypeScript, importing "utho-pulumi-tokens")
 * through the real CLI (`tests/support/readme.ts`). The install lines of those blocks (`npm ci`
 * at the root, `npm install` in the example) are run in a fresh copy of the repository by
 * tests/package/surface.test.ts; here the harness installs the run's one packed tarball, which
 * is what they install. up creates what they declare, a second preview is empty, destroy leaves
 * nothing; adopt mints nothing and keeps the hand-made token; consumer calls Utho with another
 * stack's token read through a StackReference. Rotation and per-environment have files of their
 * own (examples-rotation, examples-per-environment).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { packedTarball } from "../../scripts/pack";
import { useProjects } from "../support/e2e";
import { followReadme } from "../support/readme";

const openProject = useProjects();

it("examples/single-token, as its README says: the live token's id is deployerTokenId", async () => {
  const p = await openProject("examples/single-token");
  await followReadme(p, "single-token", { "<your Utho API key>": p.emulator.rootKey });
  const [token, ...others] = p.emulator.listTokens();
  expect(others).toEqual([]);
  expect([token?.name.replace(/-[0-9a-f]+$/, ""), token?.scope]).toEqual(["ci-deployer", "write"]);
  const outputs = JSON.parse((await p.pulumi(["stack", "output", "--json"])).stdout);
  expect(outputs.deployerTokenId).toBe(token?.id);
  expect(outputs.uthoBaseUrl).toBe(p.emulator.baseUrl);
  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens()).toEqual([]);
});

/** A release later than the one this repo's lock installs, as a user's program may depend on. */
const NEWER_PULUMI = "3.270.0";

it(`examples/single-token in a program on @pulumi/pulumi ${NEWER_PULUMI}: one copy of it, and up works`, async () => {
  const p = await openProject("examples/single-token");
  // A real npm install of the run's tarball beside the program's own, newer @pulumi/pulumi.
  rmSync(path.join(p.dir, "node_modules"), { recursive: true, force: true });
  const manifest = path.join(p.dir, "package.json");
  writeFileSync(
    manifest,
    JSON.stringify({
      ...JSON.parse(readFileSync(manifest, "utf8")),
      dependencies: { "@pulumi/pulumi": NEWER_PULUMI, "utho-pulumi-tokens": `file:${packedTarball()}` },
    }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: p.dir,
    stdio: "ignore",
  });
  const copies = execFileSync("find", ["node_modules", "-path", "*/@pulumi/pulumi/package.json"], {
    cwd: p.dir,
    encoding: "utf8",
  })
    .trim()
    .split("\n");
  expect(copies).toEqual(["node_modules/@pulumi/pulumi/package.json"]);
  expect(JSON.parse(readFileSync(path.join(p.dir, copies[0] ?? ""), "utf8")).version).toBe(NEWER_PULUMI);
  await p.pulumi(["up", "--yes"]);
  expect(p.emulator.listTokens().map((t) => t.scope)).toEqual(["write"]);
  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens()).toEqual([]);
});

it("examples/adopt brings a hand-made token under management, minting nothing, and destroy keeps it", async () => {
  const p = await openProject("examples/adopt");
  const handMade = p.emulator.createTokenOutOfBand("ci-legacy", "write");
  p.emulator.resetRequests();
  await followReadme(p, "adopt", {
    "<your Utho API key>": p.emulator.rootKey,
    "<its secret>": handMade.secret,
  });
  expect(p.emulator.countRequests("POST")).toBe(0);
  expect((await p.pulumi(["stack", "output", "legacyTokenId"])).stdout.trim()).toBe(handMade.id);
  expect((await p.pulumi(["stack", "output", "legacyFingerprint"])).stdout.trim()).toMatch(
    /^sha256:[0-9a-f]{16}$/,
  );
  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["destroy", "--yes"]);
  // retainOnDelete: the hand-made token lives on.
  expect(p.emulator.listTokens().map((t) => t.id)).toEqual([handMade.id]);
});

it("examples/consumer reads the single-token stack's secret and Utho URL through a StackReference and calls Utho with it", async () => {
  // The producer's provider finds Utho through its stack config only (utho:baseUrl), and the
  // consumer's environment names no Utho URL: the consumer must take the producer's.
  const producer = await openProject("examples/single-token", { credentials: "config" });
  await producer.pulumi(["up", "--yes", "--skip-preview"]);
  // The consumer lives in the producer's backend, as stacks that reference each other must.
  const consumer = await openProject("examples/consumer", {
    credentials: "none",
    sharedEmulator: producer.emulator,
    env: { PULUMI_BACKEND_URL: `file://${producer.dir}/.state?metadata=skip` },
  });
  producer.emulator.resetRequests();
  await followReadme(consumer, "consumer", {
    "<org>": "organization",
    "<stack>": "e2e",
  });
  expect((await consumer.pulumi(["stack", "output", "accountId"])).stdout.trim()).toBe("41250");
  expect((await consumer.pulumi(["stack", "output", "visibleTokens"])).stdout.trim()).toBe("1");
  // The calls were made with the deployer's token, once in each of the two runs of the program
  // the README's `pulumi up` makes (its preview and the update), and nothing was minted.
  expect(producer.emulator.countRequests("GET", "/v2/account/info")).toBe(2);
  expect(producer.emulator.countRequests("POST")).toBe(0);
  // The secret stays one in the consumer's state.
  const secret = await producer.secretOutput("deployerToken");
  expect(await consumer.exportState()).not.toContain(secret);
  await consumer.pulumi(["destroy", "--yes", "--skip-preview"]);
  await producer.pulumi(["destroy", "--yes", "--skip-preview"]);
  expect(producer.emulator.listTokens()).toEqual([]);
});
