/**
 * examples/go through the real CLI and the Go language host provisioned beside it, against two
 * emulators: the SDK generated as its README says, `up` mints a token in the default provider's
 * account and one through the explicit provider in the second account, a preview after it shows
 * no change, the state and every output hold no secret or API key in clear, and `destroy` revokes
 * both. Long, not e2e: the first compile of the Pulumi Go SDK takes minutes on two cores.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { provisionPulumi, REPO_ROOT } from "../../scripts/engine";
import { useProjects } from "../support/e2e";
import { exampleTokens } from "../support/example-tokens";
import { generateGoSdk } from "../support/go-example";

const openProject = useProjects();
jest.setTimeout(900_000);

let prod: RunningEmulator | undefined;
afterEach(async () => {
  await prod?.close();
  prod = undefined;
});

it("examples/go: up mints in both accounts, no changes after, no secret in clear, destroy revokes both", async () => {
  const p = await openProject("examples/go", { credentials: "config", npmPackage: false });
  // Its Pulumi.yaml names the plugin's folder as ../../bin, which from the copy is this checkout's.
  expect(path.resolve(p.dir, "../../bin")).toBe(path.join(REPO_ROOT, "bin"));
  await generateGoSdk(p.dir, provisionPulumi());
  prod = await startEmulator({ accountId: "90001" });
  await p.setConfig("prodApiKey", prod.rootKey, { secret: true });
  await p.setConfig("prodBaseUrl", prod.baseUrl);

  const up = await p.pulumi(["up", "--yes", "--skip-preview"]);
  // The Go host beside the CLI ran it: the engine warns when it takes one from the PATH.
  expect(`${up.stdout}${up.stderr}`).not.toContain("pulumi-language-go from $PATH");
  const { reader, deployer } = exampleTokens(p.emulator, prod);
  expect(await p.outputs()).toEqual({
    readerTokenId: reader?.id,
    readerToken: "[secret]",
    prodDeployerTokenId: deployer?.id,
    prodAccount: "90001",
    prodDeployerToken: "[secret]",
  });

  p.emulator.resetRequests();
  prod.resetRequests();
  await p.pulumi(["preview", "--expect-no-changes"]);
  for (const emulator of [p.emulator, prod]) {
    expect(emulator.countRequests("POST")).toBe(0);
    expect(emulator.countRequests("DELETE")).toBe(0);
  }

  const secrets = [
    await p.secretOutput("readerToken"),
    await p.secretOutput("prodDeployerToken"),
    p.emulator.rootKey,
    prod.rootKey,
  ];
  expect(p.emulator.tokenIdOf(secrets[0] ?? "")).toBe(reader?.id);
  expect(prod.tokenIdOf(secrets[1] ?? "")).toBe(deployer?.id);
  const state = await p.exportState();
  expect(state).toContain('"type": "utho:index:ApiToken"');
  expect(state).toContain('"type": "pulumi:providers:utho"');
  expect(state).toContain("ciphertext");
  for (const secret of secrets) expect(state).not.toContain(secret);
  // Nor any file of the project: its config, the backend's state and its backups, the schema.
  for (const file of readdirSync(p.dir, { recursive: true, encoding: "utf8" })) {
    const full = path.join(p.dir, file);
    if (!statSync(full).isFile()) continue;
    const text = readFileSync(full, "utf8");
    for (const secret of secrets) expect([file, text.includes(secret)]).toEqual([file, false]);
  }

  await p.pulumi(["destroy", "--yes", "--skip-preview"]);
  expect(p.emulator.listTokens()).toEqual([]);
  expect(prod.listTokens()).toEqual([]);
  const transcript = p.transcript.join("\n");
  for (const secret of secrets) expect(transcript).not.toContain(secret);
});
