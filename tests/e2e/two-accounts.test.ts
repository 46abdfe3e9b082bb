/**
 * One program, two Utho accounts: a resource's own `connection` sends its token to another
 * account, and its key is stored only encrypted.
 */
import { type RunningEmulator, startEmulator } from "../../emulator";
import { useProjects } from "../support/e2e";

const openProject = useProjects();
let prod: RunningEmulator | undefined;
afterEach(async () => {
  await prod?.close();
  prod = undefined;
});

it("manages each token in its own account, from up through refresh to destroy", async () => {
  const p = await openProject("tests/e2e/programs/two-accounts");
  prod = await startEmulator({ accountId: "90001" });
  await p.setConfig("prodApiKey", prod.rootKey, { secret: true });
  await p.setConfig("prodBaseUrl", prod.baseUrl);

  await p.pulumi(["up", "--yes", "--skip-preview"]);
  expect(p.emulator.listTokens().map((t) => [t.name, t.scope])).toEqual([["dev-reader", "read"]]);
  expect(prod.listTokens().map((t) => [t.name, t.scope])).toEqual([["prod-deployer", "write"]]);
  expect((await p.pulumi(["stack", "output", "devAccount"])).stdout.trim()).toBe("41250");
  expect((await p.pulumi(["stack", "output", "prodAccount"])).stdout.trim()).toBe("90001");

  // The second account's key is in the state only encrypted, and in no CLI output.
  const state = await p.exportState();
  expect(state).not.toContain(prod.rootKey);
  expect(state).toMatch(
    /"connection":\s*\{\s*"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/,
  );
  const secret = await p.secretOutput("prodToken");
  expect(p.transcript.join("\n")).not.toContain(prod.rootKey);
  expect(p.transcript.join("\n")).not.toContain(secret);

  await p.pulumi(["refresh", "--yes", "--expect-no-changes"]);
  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens()).toEqual([]);
  expect(prod.listTokens()).toEqual([]);
});
