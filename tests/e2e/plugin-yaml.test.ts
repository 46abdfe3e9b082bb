/**
 * examples/yaml through the real CLI and its YAML language host, as its README says: the `utho`
 * provider plugin from the installed package (`plugins.providers[].path`), a token in the
 * default provider's account and one through an explicit provider in a second emulator's;
 * `pulumi import` of a token made in the console, whose generated YAML previews with no changes
 * and whose `protect` keeps destroy from revoking it; no secret in clear in the state or in any
 * output.
 */
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { useProjects } from "../support/e2e";
import { exampleTokens } from "../support/example-tokens";
import { followReadme } from "../support/readme";

const openProject = useProjects();
let prod: RunningEmulator | undefined;
afterEach(async () => {
  await prod?.close();
  prod = undefined;
});

/** The resources of `pulumi import --out`'s YAML, appended to the program's `resources:` (its last section). */
function addImportedCode(dir: string, generated: string): void {
  const program = readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
  const sections = program.split("\n").filter((line) => /^[a-z]/.test(line));
  expect(sections.at(-1)).toBe("resources:");
  const code = readFileSync(path.join(dir, generated), "utf8");
  expect(code.startsWith("resources:\n")).toBe(true);
  appendFileSync(path.join(dir, "Pulumi.yaml"), code.slice("resources:\n".length));
}

it("examples/yaml: up mints in both accounts, no changes after, import of a hand-made token, destroy revokes all", async () => {
  const p = await openProject("examples/yaml");
  prod = await startEmulator({ accountId: "90001" });
  await p.setConfig("prodBaseUrl", prod.baseUrl);
  await followReadme(p, "yaml", {
    "<your Utho API key>": p.emulator.rootKey,
    "<the second account's API key>": prod.rootKey,
  });
  const { reader, deployer } = exampleTokens(p.emulator, prod);
  expect(await p.outputs()).toMatchObject({
    readerName: reader?.name,
    readerToken: "[secret]",
    prodAccount: "90001",
    prodDeployerTokenId: deployer?.id,
    prodDeployerToken: "[secret]",
  });

  // A token made in the console: imported by id, its name and scope read from Utho.
  const handMade = p.emulator.createTokenOutOfBand("console-made", "write");
  p.emulator.resetRequests();
  await p.pulumi([
    "import",
    "utho:index:ApiToken",
    "handmade",
    handMade.id,
    "--protect",
    "--out",
    "handmade.yaml",
    "--yes",
  ]);
  expect(p.emulator.countRequests("POST")).toBe(0);
  expect(p.emulator.countRequests("DELETE")).toBe(0);
  const generated = readFileSync(path.join(p.dir, "handmade.yaml"), "utf8");
  expect(generated).toContain("name: console-made");
  expect(generated).toContain("scope: write");
  expect(generated).toContain("protect: true");
  addImportedCode(p.dir, "handmade.yaml");
  await p.pulumi(["preview", "--expect-no-changes"]);

  // Secrets in the state only encrypted: both minted secrets, the second account's key.
  const secrets = [
    await p.secretOutput("readerToken"),
    await p.secretOutput("prodDeployerToken"),
    prod.rootKey,
    p.emulator.rootKey,
    handMade.secret,
  ];
  expect(p.emulator.tokenIdOf(secrets[0] ?? "")).toBe(reader?.id);
  expect(prod.tokenIdOf(secrets[1] ?? "")).toBe(deployer?.id);
  const state = await p.exportState();
  expect(state).toContain('"type": "utho:index:ApiToken"');
  expect(state).toContain('"type": "pulumi:providers:utho"');
  for (const secret of secrets) expect(state).not.toContain(secret);

  // Protected, the imported token outlives a destroy that revokes every other one.
  const refused = await p.pulumi(["destroy", "--yes", "--skip-preview"], { expectFailure: true });
  expect(`${refused.stdout}${refused.stderr}`).toMatch(/cannot be deleted\s+because it is protected/);
  expect(p.emulator.listTokens().map((t) => t.id)).toEqual([handMade.id]);
  expect(prod.listTokens()).toEqual([]);
  await p.pulumi(["state", "unprotect", "--all", "--yes"]);
  await p.pulumi(["destroy", "--yes", "--skip-preview"]);
  expect(p.emulator.listTokens()).toEqual([]);

  const transcript = p.transcript.join("\n");
  for (const secret of secrets) expect(transcript).not.toContain(secret);
});
