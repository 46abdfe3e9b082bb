/**
 * examples/per-environment runs its workflow's commands (read from the workflow file) through
 * the real CLI, with its three stacks in one Utho account and one shared backend.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../scripts/engine";
import { type E2EProject, useProjects } from "../support/e2e";

const openProject = useProjects();

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
