/**
 * `npm run demo` as a person runs it: the built demo in a copy of the repository (its own
 * .demo/, its own Pulumi.demo.yaml), through the real CLI. A mistake in Pulumi.demo.yaml is one
 * plain line; a shell that exports a team's PULUMI_CONFIG_PASSPHRASE and PULUMI_BACKEND_URL
 * breaks neither the demo nor the command it prints.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, runCommand } from "../../scripts/engine";

// The demo's `pulumi up` mints three tokens through the real CLI.
jest.setTimeout(180_000);

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(REPO_ROOT, ".e2e", "demo-"));
  for (const file of [
    "dist",
    "scripts",
    "Pulumi.yaml",
    "Pulumi.demo.yaml",
    "package.json",
    "package-lock.json",
  ]) {
    cpSync(path.join(REPO_ROOT, file), path.join(dir, file), { recursive: true });
  }
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a shell with none of Pulumi's or Utho's variables, plus `extra`. */
function shellEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ["UTHO_API_KEY", "UTHO_TOKEN", "UTHO_BASE_URL", "PULUMI_HOME"]) delete env[name];
  return env;
}

const demo = (args: string[], env: NodeJS.ProcessEnv) =>
  runCommand(process.execPath, [path.join(dir, "dist/scripts/demo.js"), ...args], { cwd: dir, env });

it("a Pulumi.demo.yaml that breaks a rule gets one plain line naming the entry and field", async () => {
  const file = path.join(dir, "Pulumi.demo.yaml");
  writeFileSync(file, readFileSync(file, "utf8").replace("scope: read", "scope: admin"));
  const result = await demo([], shellEnv({ FORCE_COLOR: "1" }));
  expect(result.code).toBe(1);
  const output = `${result.stdout}${result.stderr}`;
  expect(result.stderr).toMatch(/^Pulumi\.demo\.yaml: Invalid stack config "tokens": tokens\[1\]\.scope: /m);
  expect(output).not.toContain("\x1b[");
  expect(output).not.toMatch(/^\s+at /m);
});

it("an exported PULUMI_CONFIG_PASSPHRASE and PULUMI_BACKEND_URL break neither the demo nor its printed hint", async () => {
  const team = {
    PULUMI_CONFIG_PASSPHRASE: "a-team-passphrase",
    PULUMI_BACKEND_URL: `file://${path.join(dir, "team-state")}`,
  };
  const up = await demo([], shellEnv(team));
  expect(up.code).toBe(0);
  expect(up.stdout).toMatch(/ci-deployer +write .*authenticates; can write/);
  // The hint, run as printed from the same shell, reads the demo's stack.
  const hint = /`((?:PULUMI_CONFIG_PASSPHRASE=(\S+) )?)npm run pulumi -- (.+?)`/.exec(up.stdout);
  expect(hint).not.toBeNull();
  const [, , passphrase, args] = hint ?? [];
  const words = (args ?? "").split(" ").map((word) => word.replace(/^'(.*)'$/, "$1"));
  const output = await runCommand(process.execPath, [path.join(dir, "dist/scripts/pulumi.js"), ...words], {
    cwd: dir,
    env: shellEnv({ ...team, ...(passphrase ? { PULUMI_CONFIG_PASSPHRASE: passphrase } : {}) }),
  });
  expect(output.stderr).toBe("");
  expect(output.stdout).toContain("[secret]");
  expect((await demo(["--destroy"], shellEnv(team))).code).toBe(0);
});
