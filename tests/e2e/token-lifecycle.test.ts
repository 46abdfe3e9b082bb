/**
 * The ApiToken resource through the real Pulumi CLI, language host and dynamic-provider host,
 * against the emulator. One behaviour per test, each on its own stack and emulator.
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
  await p.pulumi(["up", "--yes"]);
  const writes = p.emulator.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
  expect(writes).toEqual(["POST /v2/api/generate", `DELETE /v2/api/${old?.id}/delete`]);
  const tokens = p.emulator.listTokens();
  expect(tokens).toHaveLength(1);
  expect(tokens[0]?.id).not.toBe(old?.id);
  expect(await p.secretOutput("token")).not.toBe(oldSecret);
  return tokens[0] as UthoTokenInfo;
}

function expectAbsent(texts: string[], ...secrets: string[]): void {
  const all = texts.join("\n");
  for (const secret of secrets) expect(all).not.toContain(secret);
}

it("creates a token; a second up changes nothing", async () => {
  const p = await open();
  await p.pulumi(["up", "--yes"]);
  const [token] = p.emulator.listTokens();
  expect(p.emulator.listTokens()).toHaveLength(1);
  expect(token?.name).toMatch(/^token-[0-9a-f]{16}$/);
  expect(token?.scope).toBe("read");
  expect((await p.pulumi(["stack", "output", "id"])).stdout.trim()).toBe(token?.id);

  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["up", "--yes", "--expect-no-changes"]);
  expect(p.emulator.countRequests("POST")).toBe(1);
});

it("keeps the secret a secret: [secret] in outputs, encrypted in state, absent from every CLI output", async () => {
  const p = await open("config");
  await p.pulumi(["up", "--yes"]);
  expect((await p.pulumi(["stack", "output"])).stdout).toMatch(/token\s+\[secret\]/);
  const secret = await p.secretOutput("token");
  expect(secret).toMatch(/^[0-9a-f]{64}$/);

  const state = await p.exportState();
  expect(state).toContain('"ciphertext"');
  // Neither the token's secret nor the provider's own API key is in the state or any output.
  expectAbsent([state, ...p.transcript], secret, p.emulator.rootKey);
});

it("stores a small serialized provider that loads the installed package by name", async () => {
  const p = await open();
  await p.pulumi(["up", "--yes"]);
  const deployment = JSON.parse(await p.exportState()) as {
    deployment: { resources: { type: string; outputs?: { __provider?: string } }[] };
  };
  const token = deployment.deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic/utho:ApiToken");
  const provider = token?.outputs?.__provider ?? "";
  expect(provider).toContain('require("utho-pulumi-tokens/dist/provider/host.js")');
  expect(provider.length).toBeLessThan(400);
  expect(provider).not.toContain(p.emulator.rootKey);
  process.stdout.write(`__provider in state (installed package): ${provider.length} characters\n`);
});

it("a scope change replaces the token: the new one is minted before the old one is revoked", async () => {
  const p = await open();
  await p.pulumi(["up", "--yes"]);
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
  await p.pulumi(["up", "--yes"]);

  await p.setConfig("rotation", "2026-Q4");
  expect(await expectRotatedByUp(p)).toMatchObject({ name: "deployer", scope: "read" });
});

it("a token deleted out of band is dropped by refresh and recreated by the next up", async () => {
  const p = await open();
  await p.pulumi(["up", "--yes"]);
  const [original] = p.emulator.listTokens();
  p.emulator.deleteTokenOutOfBand(original?.id ?? "");

  const refresh = await p.pulumi(["refresh", "--yes"]);
  expect(refresh.stdout).toMatch(/- .*token.*deleted/);
  // The settle window is said aloud while it runs, naming what it waits for.
  expect(refresh.stdout).toMatch(
    new RegExp(
      `utho:ApiToken: waiting up to \\d+\\.\\d s more for Utho's token list to show token ${original?.id}, which it no longer lists`,
    ),
  );
  await p.pulumi(["up", "--yes"]);
  const [recreated] = p.emulator.listTokens();
  expect(p.emulator.listTokens()).toHaveLength(1);
  expect(recreated?.id).not.toBe(original?.id);
  expect((await p.pulumi(["stack", "output", "id"])).stdout.trim()).toBe(recreated?.id);
});

it("a refresh that Utho answers with 401 fails and forgets nothing", async () => {
  const p = await open();
  await p.pulumi(["up", "--yes"]);
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

it("destroy leaves zero tokens", async () => {
  const p = await open();
  await p.setConfig("scope", "write");
  await p.pulumi(["up", "--yes"]);
  expect(p.emulator.listTokens()).toHaveLength(1);
  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens()).toEqual([]);
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

it("bad input fails before any API call, naming the property", async () => {
  const p = await open();
  await p.setConfig("scope", "admin");
  const result = await p.pulumi(["up", "--yes"], { expectFailure: true });
  expect(`${result.stdout}${result.stderr}`).toContain('scope: must be "read" or "write"');
  expect(p.emulator.countRequests()).toBe(0);
});
