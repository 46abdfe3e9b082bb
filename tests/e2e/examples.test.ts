/**
 * The examples people copy, run as they are (TypeScript, importing "utho-pulumi-tokens")
 * through the real CLI: up creates what they declare, a second preview is empty, destroy
 * leaves nothing; rotation walks its README's timeline with the provider's clock; adopt mints nothing and keeps the hand-made token; consumer calls Utho with
 * another stack's token read through a StackReference.
 */
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../scripts/engine";
import { useProjects } from "../support/e2e";

const openProject = useProjects();

it.each([["single-token", [["ci-deployer", "write"]]]])("examples/%s", async (example, expected) => {
  const p = await openProject(`examples/${example}`);
  await p.pulumi(["up", "--yes"]);
  const tokens = p.emulator
    .listTokens()
    .map((t) => [t.name.replace(/-[0-9a-f]{16}$/, ""), t.scope])
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
    env: { PULUMI_BACKEND_URL: `file://${producer.dir}/.state?metadata=skip` },
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

it("examples/rotation walks its README's timeline: rotated in place when due, the old token valid through the overlap", async () => {
  const p = await openProject("examples/rotation");
  const day = 86_400_000;
  const output = async (name: string, env?: NodeJS.ProcessEnv) =>
    (await p.pulumi(["stack", "output", name], { env })).stdout.trim();
  const works = (secret: string) => p.emulator.tokenIdOf(secret) !== undefined;
  await p.pulumi(["up", "--yes"]);
  const a = await p.secretOutput("deployerToken");
  const dueAt = Date.parse(await output("rotationDueAt"));
  expect(dueAt - Date.parse(await output("rotatedAt"))).toBe(90 * day);
  const clock = (ms: number) => ({ UTHO_TOKENS_NOW: new Date(ms).toISOString() });

  // The day before it is due: nothing to do.
  await p.pulumi(["preview", "--expect-no-changes"], { env: clock(dueAt - day) });
  // Due: the preview shows an update (not a replacement) and the up carries it out.
  const preview = await p.pulumi(["preview", "--diff"], { env: clock(dueAt) });
  expect(preview.stdout).toMatch(/~ pulumi-nodejs:dynamic\/utho:ApiToken: \(update\)/);
  await p.pulumi(["up", "--yes"], { env: clock(dueAt) });
  const b = await p.secretOutput("deployerToken");
  expect(b).not.toBe(a);
  expect(await p.secretOutput("previousToken")).toBe(a);
  expect(Date.parse(await output("previousRevokeAt"))).toBe(dueAt + 7 * day);
  expect(Date.parse(await output("rotationDueAt"))).toBe(dueAt + 90 * day);
  expect([works(a), works(b)]).toEqual([true, true]);

  // Six days into the overlap: both still work, nothing to do.
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: clock(dueAt + 6 * day) });
  expect([works(a), works(b)]).toEqual([true, true]);
  // The overlap ends: the first refresh revokes A.
  await p.pulumi(["refresh", "--yes"], { env: clock(dueAt + 7 * day) });
  expect([works(a), works(b)]).toEqual([false, true]);
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: clock(dueAt + 7 * day) });
  expect(JSON.parse((await p.pulumi(["stack", "output", "--json"])).stdout).previousTokenId).toBeUndefined();

  // 90 days after B: C, with B kept through its own overlap.
  await p.pulumi(["up", "--yes"], { env: clock(dueAt + 90 * day) });
  const c = await p.secretOutput("deployerToken");
  expect([works(a), works(b), works(c)]).toEqual([false, true, true]);
  expect(p.emulator.listTokens()).toHaveLength(2);
  await p.pulumi(["destroy", "--yes"], { env: clock(dueAt + 90 * day) });
  expect(p.emulator.listTokens()).toEqual([]);
});

describe("examples/per-environment", () => {
  const example = path.join(REPO_ROOT, "examples/per-environment");
  /** The `pulumi` commands of the workflow's steps, by step name, without the stack flags the harness adds. */
  const workflow = readFileSync(path.join(example, ".github/workflows/tokens.yml"), "utf8");
  const commands = Object.fromEntries(
    [...workflow.matchAll(/- name: (.+)\n(?:\s+if: .*\n)?\s+run: (.+)/g)].map((m) => [
      m[1],
      (m[2] ?? "")
        .replace(/ --stack \$\{\{ matrix\.stack \}\}/, "")
        .replace(" --non-interactive", "")
        .split(" "),
    ]),
  );
  /** The stack's config as the example ships it, in place of the harness stack's own. */
  const useConfigOf = (dir: string, stack: string) =>
    appendFileSync(
      path.join(dir, "Pulumi.e2e.yaml"),
      readFileSync(path.join(example, `Pulumi.${stack}.yaml`)),
    );

  it("the workflow keeps its state in a shared backend named by a secret, and runs the commands tested here", () => {
    expect(workflow).toMatch(/PULUMI_BACKEND_URL: \$\{\{ secrets\.PULUMI_BACKEND_URL \}\}/);
    expect(Object.keys(commands)).toEqual(["preview", "apply", "due rotations and expiries", "audit"]);
  });

  it.each([
    ["dev", { deployer: "write", monitoring: "read" }, []],
    ["staging", { deployer: "write", monitoring: "read", "cost-report": "read" }, []],
    ["prod", { deployer: "write", monitoring: "read", "cost-report": "read" }, ["deployer"]],
  ])(
    "%s: the workflow's preview, apply, and a daily run 8 days on that rotates what is due",
    async (stack, scopes, rotated) => {
      const p = await openProject("examples/per-environment");
      useConfigOf(p.dir, stack);
      const run = (name: string, env?: NodeJS.ProcessEnv) => {
        const [bin, ...args] = commands[name] ?? [];
        return bin === "pulumi" ? p.pulumi(args, { env }) : p.uthoTokens(args.slice(1), { env });
      };
      await run("preview");
      expect(p.emulator.listTokens()).toEqual([]);
      await run("apply");
      const minted = new Map(p.emulator.listTokens().map((t) => [t.name.replace(/-e2e$/, ""), t]));
      expect(Object.fromEntries([...minted].map(([name, t]) => [name, t.scope]))).toEqual(scopes);
      await run("audit");

      // The daily run, its clock 8 days on: only the tokens whose rotateAfter has passed rotate.
      const later = { UTHO_TOKENS_NOW: new Date(Date.now() + 8 * 86_400_000).toISOString() };
      await run("due rotations and expiries", later);
      const after = new Map(p.emulator.listTokens().map((t) => [t.name.replace(/-e2e$/, ""), t.id]));
      const changed = [...minted].filter(([name, t]) => after.get(name) !== t.id).map(([name]) => name);
      expect(changed).toEqual(rotated);
      await run("audit", later);
      await p.pulumi(["destroy", "--yes", "--skip-preview"]);
      expect(p.emulator.listTokens()).toEqual([]);
    },
  );
});
