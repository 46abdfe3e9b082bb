/**
 * The examples people copy, run as their READMEs say (TypeScript, importing "utho-pulumi-tokens")
 * through the real CLI: the `pulumi` commands of each README's shell block, in order. The
 * install lines of those blocks (`npm ci` at the root, `npm install` in the example) are run in
 * a fresh copy of the repository by tests/package/surface.test.ts; here the harness installs the
 * run's one packed tarball, which is what they install. up creates what they declare, a second
 * preview is empty, destroy leaves nothing; rotation walks its README's timeline with the
 * provider's clock; adopt mints nothing and keeps the hand-made token; consumer calls Utho with
 * another stack's token read through a StackReference; per-environment runs its workflow's
 * commands with its three stacks in one Utho account.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../scripts/engine";
import { packedTarball } from "../../scripts/pack";
import { type E2EProject, useProjects } from "../support/e2e";

const openProject = useProjects();

/** The shell commands of an example's README: its first `sh` block, comments dropped. */
function readmeCommands(example: string): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, "examples", example, "README.md"), "utf8");
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/(^|\s+)#.*$/, "").trim())
    .filter((line) => line !== "");
}

/**
 * Runs the `pulumi` commands of an example's README on the project's stack, which the harness
 * has created (`stack init` is skipped): each `<placeholder>` takes its value from `values`, and
 * `up` confirms with --yes as a non-interactive run must.
 */
async function followReadme(p: E2EProject, example: string, values: Record<string, string>): Promise<void> {
  const commands = readmeCommands(example);
  expect(commands.slice(0, 3)).toEqual(["npm ci", `cd examples/${example}`, "npm install"]);
  for (const command of commands.filter((line) => line.startsWith("pulumi "))) {
    const args = command
      .replace(/<[^>]+>/g, (placeholder) => {
        const value = values[placeholder];
        if (value === undefined) throw new Error(`no value for ${placeholder} in ${example}'s README`);
        return value;
      })
      .split(" ")
      .slice(1);
    if (args[0] === "stack" && args[1] === "init") continue;
    const secret = args.includes("--secret") || args.includes("--show-secrets");
    await p.pulumi(args[0] === "up" ? [...args, "--yes"] : args, { secret });
  }
}

const UNDEFINED_OUTPUT = /Undefined value/;

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

it("examples/rotation walks its README's timeline: rotated in place when due, the old token valid through the overlap", async () => {
  const p = await openProject("examples/rotation");
  const day = 86_400_000;
  const works = (secret: string) => p.emulator.tokenIdOf(secret) !== undefined;
  await followReadme(p, "rotation", { "<your Utho API key>": p.emulator.rootKey });
  const a = await p.secretOutput("deployerToken");
  // Outside an overlap the previous* outputs are null, not undefined (Pulumi warns of those).
  const first = await p.outputs();
  expect(first).toMatchObject({ previousToken: null, previousTokenId: null, previousRevokeAt: null });
  const dueAt = Date.parse(first.rotationDueAt ?? "");
  expect(dueAt - Date.parse(first.rotatedAt ?? "")).toBe(90 * day);
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
  const second = await p.outputs();
  expect(Date.parse(second.previousRevokeAt ?? "")).toBe(dueAt + 7 * day);
  expect(Date.parse(second.rotationDueAt ?? "")).toBe(dueAt + 90 * day);
  expect([works(a), works(b)]).toEqual([true, true]);

  // Six days into the overlap: both still work, nothing to do.
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: clock(dueAt + 6 * day) });
  expect([works(a), works(b)]).toEqual([true, true]);
  // The overlap ends: a refresh only reads, and the next up revokes A.
  await p.pulumi(["refresh", "--yes"], { env: clock(dueAt + 7 * day) });
  expect([works(a), works(b)]).toEqual([true, true]);
  await p.pulumi(["up", "--yes"], { env: clock(dueAt + 7 * day) });
  expect([works(a), works(b)]).toEqual([false, true]);
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: clock(dueAt + 7 * day) });
  expect((await p.outputs()).previousTokenId).toBeNull();

  // 90 days after B: C, with B kept through its own overlap.
  await p.pulumi(["up", "--yes"], { env: clock(dueAt + 90 * day) });
  const c = await p.secretOutput("deployerToken");
  expect([works(a), works(b), works(c)]).toEqual([false, true, true]);
  expect(p.emulator.listTokens()).toHaveLength(2);
  await p.pulumi(["destroy", "--yes"], { env: clock(dueAt + 90 * day) });
  expect(p.emulator.listTokens()).toEqual([]);
  expect(p.transcript.join("\n")).not.toMatch(UNDEFINED_OUTPUT);
  // Some 20 CLI runs.
}, 300_000);

describe("examples/per-environment", () => {
  const EXAMPLE = "examples/per-environment";
  const example = path.join(REPO_ROOT, EXAMPLE);
  /** The commands of the workflow's steps, by step name, without the stack flags the harness adds. */
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
  const run = (p: E2EProject, name: string, env?: NodeJS.ProcessEnv) => {
    const [bin, ...args] = commands[name] ?? [];
    return bin === "pulumi" ? p.pulumi(args, { env }) : p.uthoTokens(args.slice(1), { env });
  };
  /** The stack's tokens in the account, by consumer name (the name less its stack suffix). */
  const tokensOf = (p: E2EProject) =>
    new Map(
      p.emulator
        .listTokens()
        .filter((t) => t.name.endsWith(`-${p.stack}`))
        .map((t) => [t.name.slice(0, -p.stack.length - 1), t]),
    );

  it("the workflow keeps its state in a shared backend named by a secret, and runs the commands tested here", () => {
    expect(workflow).toMatch(/PULUMI_BACKEND_URL: \$\{\{ secrets\.PULUMI_BACKEND_URL \}\}/);
    expect(Object.keys(commands)).toEqual(["preview", "apply", "due rotations and expiries", "audit"]);
    // The audit runs once, after every stack's job, over the three stacks.
    expect(workflow).toMatch(/\n {2}audit:\n {4}needs: tokens\n/);
    expect(commands.audit).toEqual(
      "npx utho-tokens audit --stack dev --stack staging --stack prod --fail-on unmanaged".split(" "),
    );
  });

  it("dev, staging and prod in one Utho account: preview, apply, audit, a no-op preview, and a daily run 8 days on", async () => {
    // One account and one shared backend for the three stacks, each with its own config file.
    const dev = await openProject(EXAMPLE, { stack: "dev" });
    const shared = {
      sharedEmulator: dev.emulator,
      env: { PULUMI_BACKEND_URL: `file://${dev.dir}/.state?metadata=skip` },
    };
    const stacks = [
      dev,
      await openProject(EXAMPLE, { ...shared, stack: "staging" }),
      await openProject(EXAMPLE, { ...shared, stack: "prod" }),
    ];

    // The stack config is checked: a misspelt policy field fails the preview, naming it.
    await dev.pulumi(["config", "set", "--path", "tokens.deployer.rotate_after", "30d"]);
    const refused = await dev.pulumi(["preview"], { expectFailure: true });
    expect(`${refused.stdout}${refused.stderr}`).toContain(
      'Invalid stack config "tokens": tokens.deployer.rotate_after: unknown field',
    );
    await dev.pulumi(["config", "rm", "--path", "tokens.deployer.rotate_after"]);

    for (const p of stacks) await run(p, "preview");
    expect(dev.emulator.listTokens()).toEqual([]);
    for (const p of stacks) await run(p, "apply");
    const scopes = (p: E2EProject) =>
      Object.fromEntries([...tokensOf(p)].map(([name, t]) => [name, t.scope]));
    expect(stacks.map(scopes)).toEqual([
      { deployer: "write", monitoring: "read" },
      { deployer: "write", monitoring: "read", "cost-report": "read" },
      { deployer: "write", monitoring: "read", "cost-report": "read" },
    ]);
    for (const p of stacks) {
      const outputs = await p.outputs();
      expect(outputs.tokenIds).toEqual(Object.fromEntries([...tokensOf(p)].map(([name, t]) => [name, t.id])));
    }
    // One audit of the three stacks finds every token of the account managed.
    await run(dev, "audit");

    // A pull request that changes nothing previews no change, outputs included.
    for (const p of stacks) {
      const preview = await run(p, "preview");
      expect(preview.stdout).not.toMatch(/\[unknown\]|output</);
      expect(preview.stdout).not.toMatch(/^\s*[~+-] /m);
    }

    // The daily run, its clock 8 days on: only the tokens whose rotateAfter has passed rotate.
    const before = stacks.map(tokensOf);
    const later = { UTHO_TOKENS_NOW: new Date(Date.now() + 8 * 86_400_000).toISOString() };
    for (const p of stacks) await run(p, "due rotations and expiries", later);
    const rotated = stacks.map((p, i) =>
      [...(before[i] ?? [])].filter(([name, t]) => tokensOf(p).get(name)?.id !== t.id).map(([name]) => name),
    );
    expect(rotated).toEqual([[], [], ["deployer"]]);
    await run(dev, "audit", later);
    for (const p of stacks) await p.pulumi(["destroy", "--yes", "--skip-preview"]);
    expect(dev.emulator.listTokens()).toEqual([]);
  }, 600_000);
});
