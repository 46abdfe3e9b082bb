/**
 * The YAML language host that scripts/provision-pulumi.sh builds beside the CLI: the engine finds
 * it there (not on the PATH) and it runs a Pulumi YAML program, keeping a secret output secret.
 * The program declares no resource, so this needs no provider: the tests of the `utho` plugin's
 * YAML example cover the tokens.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { offlineEnv, provisionPulumi, REPO_ROOT, runCommand } from "../../scripts/engine";

jest.setTimeout(300_000);

const PROGRAM = `name: yaml-host
runtime: yaml
variables:
  greeting:
    fn::join: ["-", [hello, yaml]]
outputs:
  greeting: \${greeting}
  secretValue:
    fn::secret: yaml-host-secret-3f9a
`;

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("runs a YAML program with the host provisioned beside the CLI, its secret output encrypted in state", async () => {
  const pulumi = provisionPulumi();
  expect(existsSync(path.join(path.dirname(pulumi), "pulumi-language-yaml"))).toBe(true);
  mkdirSync(path.join(REPO_ROOT, ".e2e"), { recursive: true });
  dir = mkdtempSync(path.join(REPO_ROOT, ".e2e", "yaml-host-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), PROGRAM);
  const stateDir = path.join(dir, ".state");
  const env = { ...process.env, ...offlineEnv(stateDir, "e2e-passphrase") };
  const run = async (args: string[]) => {
    const result = await runCommand(pulumi, [...args, "--stack", "e2e", "--non-interactive"], {
      cwd: dir,
      env,
    });
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")}: ${result.stdout}\n${result.stderr}`);
    return `${result.stdout}\n${result.stderr}`;
  };

  await run(["stack", "init"]);
  const up = await run(["up", "--yes", "--skip-preview"]);

  expect(up).toMatch(/greeting\s*: "hello-yaml"/);
  expect(up).toMatch(/secretValue\s*: \[secret\]/);
  // Found beside the CLI: the engine warns when it takes a language host from the PATH instead.
  expect(up).not.toContain("pulumi-language-yaml from $PATH");
  const state = readFileSync(path.join(stateDir, ".pulumi", "stacks", "yaml-host", "e2e.json"), "utf8");
  expect(state).toContain("hello-yaml");
  expect(state).toContain("ciphertext");
  expect(state).not.toContain("yaml-host-secret-3f9a");
});
