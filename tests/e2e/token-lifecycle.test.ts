/**
 * The ApiToken resource through the real Pulumi CLI, language host and dynamic-provider host,
 * against the emulator: what only the engine shows (the state, the order of a replacement, the
 * messages a run prints). One behaviour per test, each on its own stack and emulator. Secrets in
 * every CLI mode are secret-hygiene.test.ts's, bad input bad-input.test.ts's, a token deleted
 * outside Pulumi lifecycle-inputs.test.ts's (onMissing).
 */
import type { RunningEmulator } from "../../emulator";
import { type Credentials, type E2EProject, useProjects } from "../support/e2e";

const openProject = useProjects();

const open = (credentials?: Credentials) => openProject("tests/e2e/programs/token", { credentials });

type UthoTokenInfo = ReturnType<RunningEmulator["listTokens"]>[number];

/** Runs `up` and checks it rotated the single token: a new one minted first, then `old` revoked. */
async function expectRotatedByUp(p: E2EProject): Promise<UthoTokenInfo> {
  const [old] = p.emulator.listTokens();
  const oldSecret = await p.secretOutput("token");
  p.emulator.resetRequests();
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const writes = p.emulator.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
  expect(writes).toEqual(["POST /v2/api/generate", `DELETE /v2/api/${old?.id}/delete`]);
  const tokens = p.emulator.listTokens();
  expect(tokens).toHaveLength(1);
  expect(tokens[0]?.id).not.toBe(old?.id);
  expect(await p.secretOutput("token")).not.toBe(oldSecret);
  return tokens[0] as UthoTokenInfo;
}

it("creates a token and stores a small serialized provider; a second up changes nothing; destroy leaves zero tokens", async () => {
  const p = await open();
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const [token] = p.emulator.listTokens();
  expect(p.emulator.listTokens()).toHaveLength(1);
  expect(token?.name).toMatch(/^token-[0-9a-f]{16}$/);
  expect(token?.scope).toBe("read");
  expect((await p.pulumi(["stack", "output", "id"])).stdout.trim()).toBe(token?.id);

  // The state holds the provider by reference: a require of the installed package by name.
  const deployment = JSON.parse(await p.exportState()) as {
    deployment: { resources: { type: string; outputs?: { __provider?: string } }[] };
  };
  const resource = deployment.deployment.resources.find(
    (r) => r.type === "pulumi-nodejs:dynamic/utho:ApiToken",
  );
  const provider = resource?.outputs?.__provider ?? "";
  expect(provider).toContain('require("utho-pulumi-tokens/dist/provider/host.js")');
  expect(provider.length).toBeLessThan(400);
  expect(provider).not.toContain(p.emulator.rootKey);
  process.stdout.write(`__provider in state (installed package): ${provider.length} characters\n`);

  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["up", "--yes", "--expect-no-changes"]);
  expect(p.emulator.countRequests("POST")).toBe(1);
  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens()).toEqual([]);
});

it("a scope change replaces the token: the new one is minted before the old one is revoked", async () => {
  const p = await open();
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const [old] = p.emulator.listTokens();

  await p.setConfig("scope", "write");
  const preview = await p.pulumi(["preview", "--diff"]);
  expect(preview.stdout).toMatch(/\+-pulumi-nodejs:dynamic\/utho:ApiToken: \(replace\)/);
  expect(preview.stdout).toMatch(/~ scope\s*: "read" => "write"/);
  const current = await expectRotatedByUp(p);
  expect(current.scope).toBe("write");
  // Like Pulumi's own auto-naming, a replacement is a new resource life with a fresh suffix.
  expect(current.name).toMatch(/^token-[0-9a-f]{16}$/);
  expect(current.name).not.toBe(old?.name);
});

it("a new rotation value rotates an explicitly named token: new secret first, old one revoked", async () => {
  const p = await open();
  await p.setConfig("name", "deployer");
  await p.setConfig("rotation", "2026-Q3");
  await p.pulumi(["up", "--yes", "--skip-preview"]);

  await p.setConfig("rotation", "2026-Q4");
  expect(await expectRotatedByUp(p)).toMatchObject({ name: "deployer", scope: "read" });
});

it("a refresh that Utho answers with 401 fails and forgets nothing", async () => {
  const p = await open();
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const before = await p.secretOutput("token");
  const refresh = await p.pulumi(["refresh", "--yes"], {
    expectFailure: true,
    env: { UTHO_API_KEY: "revoked-key-0123456789" },
  });
  expect(refresh.stdout).toMatch(/HTTP 401/);
  await p.pulumi(["preview", "--expect-no-changes"]);
  expect(p.emulator.listTokens()).toHaveLength(1);
  expect(await p.secretOutput("token")).toBe(before);
});

it("without credentials, up fails with the documented message and mints nothing", async () => {
  const p = await open("none");
  const result = await p.pulumi(["up", "--yes"], { expectFailure: true });
  expect(`${result.stdout}${result.stderr}`).toMatch(
    /Missing Utho credentials for the ApiToken provider: set the stack config with `pulumi config set --secret utho:apiKey <key>`, or the UTHO_API_KEY \(or UTHO_TOKEN\) environment variable\./,
  );
  expect(p.emulator.countRequests()).toBe(0);
  expect(p.emulator.listTokens()).toEqual([]);
});
