/**
 * The typed classes of `utho-pulumi-tokens/plugin` through the real CLI, the `utho` plugin found
 * through `plugins.providers[].path`: what users rely on from the dynamic `ApiToken` holds for
 * the plugin too, on one stack, step by step: bad input refused at preview naming the field, a
 * `Provider` per account, `opts.import`, `onMissing` after a deletion out of band, rotation with
 * `overlap`, expiry on the provider's clock (UTHO_TOKENS_NOW), destroy; no secret in clear in
 * the state or in any output.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { REPO_ROOT } from "../../scripts/engine";
import { AT_PREVIEW, badInputRows } from "../support/bad-input-table";
import { type E2EProject, type StateExport, useProjects } from "../support/e2e";

const openProject = useProjects();
let prod: RunningEmulator | undefined;
afterEach(async () => {
  await prod?.close();
  prod = undefined;
});

const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
const UP = ["up", "--yes", "--skip-preview"];
const TOKEN_TYPE = "utho:index:ApiToken";

/** As tests/e2e/bad-input.test.ts picks them: unusual Unicode, a wrong value, an unsafe URL in a secret input. */
const PICKED = ['`scope: "admin"`', "name of 65 emoji", "`connection.baseUrl` plain http"];
const rows = PICKED.map((input) => {
  const row = badInputRows().find((r) => r.input.startsWith(input));
  if (!row) throw new Error(`docs/bad-input.json has no row "${input}"`);
  return row;
});

/** The ApiToken resources of a state, by resource name. */
function tokensOf(state: StateExport): Map<string, Record<string, unknown>> {
  const tokens = (state.deployment.resources ?? []).filter((r) => r.type === TOKEN_TYPE);
  return new Map(tokens.map((r) => [r.urn.slice(r.urn.lastIndexOf("::") + 2), r.outputs ?? {}]));
}

/** A secret of `pulumi stack export --show-secrets`: `{ <sig>: <secret sig>, plaintext: "<JSON>" }`. */
function revealed(value: unknown): string {
  const { plaintext } = value as { plaintext: string };
  return JSON.parse(plaintext) as string;
}

/** `pulumi preview` expected to fail before any request; its whole output. */
async function refusedPreview(p: E2EProject): Promise<string> {
  p.emulator.resetRequests();
  const preview = await p.pulumi(["preview"], { expectFailure: true });
  expect(p.emulator.countRequests()).toBe(0);
  return `${preview.stdout}\n${preview.stderr}`;
}

it("plugin classes: bad input, a Provider per account, opts.import, onMissing, overlap, expiry, destroy", async () => {
  const p = await openProject("tests/e2e/programs/plugin");

  for (const row of rows) {
    expect(row.when).toBe(AT_PREVIEW);
    await p.setConfig("args", JSON.stringify(row.value));
    expect(await refusedPreview(p)).toContain(row.errorNames);
  }
  // A provider setting wrong on its face: the plugin's CheckConfig refuses it, naming the key.
  const unsafe = badInputRows().find((r) => r.input === "provider config: plain-http base URL");
  await p.setConfig("utho:baseUrl", "http://api.example.com");
  expect(await refusedPreview(p)).toContain(unsafe?.errorNames);
  await p.pulumi(["config", "rm", "utho:baseUrl"]);
  expect(p.emulator.listTokens()).toEqual([]);

  // One up: a token with rotation, overlap and expiry; one in a second account through a
  // Provider; a console-made token imported by id, minting nothing for it.
  prod = await startEmulator({ accountId: "90001" });
  await p.setConfig("prodApiKey", prod.rootKey, { secret: true });
  await p.setConfig("prodBaseUrl", prod.baseUrl);
  const handMade = p.emulator.createTokenOutOfBand("console-made", "write");
  await p.setConfig("importId", handMade.id);
  await p.setConfig("importName", "console-made");
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const args = { name: "plugin-token", rotation: "1", overlap: "1h", expiresAt };
  await p.setConfig("args", JSON.stringify(args));
  p.emulator.resetRequests();
  await p.pulumi(UP);
  expect(p.emulator.countRequests("POST")).toBe(1);
  const first = await p.outputs();
  expect(first).toMatchObject({ token: "[secret]", importedTokenId: handMade.id, prodAccount: "90001" });
  expect(first.tokenId).toBe(first.id);
  expect(prod.listTokens().map((t) => [t.name, t.scope])).toEqual([["prod-reader", "read"]]);
  await p.pulumi(["preview", "--expect-no-changes"]);

  // Deleted out of band: a refresh drops it (onMissing "recreate"), the next up mints it anew.
  p.emulator.deleteTokenOutOfBand(first.id ?? "");
  await p.pulumi(["refresh", "--yes", "--skip-preview"]);
  expect([...tokensOf(JSON.parse(await p.exportState())).keys()].sort()).toEqual(["imported", "prod-reader"]);
  await p.pulumi(UP);
  const recreated = await p.outputs();
  expect(recreated.id).not.toBe(first.id);
  const beforeRotation = await p.secretOutput("token");
  expect(p.emulator.tokenIdOf(beforeRotation)).toBe(recreated.id);

  // A new `rotation` with `overlap`: an update in place; the previous token stays valid, a secret.
  await p.setConfig("args", JSON.stringify({ ...args, rotation: "2" }));
  await p.pulumi(UP);
  const rotated = await p.outputs();
  expect(rotated).toMatchObject({
    id: recreated.id,
    previousTokenId: recreated.id,
    previousToken: "[secret]",
  });
  expect(rotated.tokenId).not.toBe(recreated.id);
  const live = p.emulator.listTokens().filter((t) => t.name === "plugin-token");
  expect(live.map((t) => t.id).sort()).toEqual([recreated.id, rotated.tokenId].sort());
  // In the state, both secrets only encrypted.
  const state = await p.exportState();
  // The default provider is the plugin of the package's version: the class asked for it.
  expect(state).toContain(`pulumi:providers:utho::default_${version.replace(/\./g, "_")}"`);
  const stored = tokensOf(JSON.parse(state)).get("token");
  expect(stored?.token).toHaveProperty("ciphertext");
  expect(stored?.previousToken).toHaveProperty("ciphertext");
  const clear = tokensOf(await p.exportSecrets());
  expect(revealed(clear.get("token")?.previousToken)).toBe(beforeRotation);
  const rotatedSecret = revealed(clear.get("token")?.token);
  expect(p.emulator.tokenIdOf(rotatedSecret)).toBe(rotated.tokenId);
  const secrets = [
    beforeRotation,
    rotatedSecret,
    revealed(clear.get("prod-reader")?.token),
    prod.rootKey,
    p.emulator.rootKey,
    handMade.secret,
  ];
  for (const secret of secrets) expect(state).not.toContain(secret);

  // At `expiresAt` by the provider's clock, an up revokes the token (and the previous one, whose
  // overlap ended long before) and keeps the resource, expired.
  await p.pulumi(UP, { env: { UTHO_TOKENS_NOW: expiresAt } });
  expect(p.emulator.listTokens().map((t) => t.id)).toEqual([handMade.id]);
  expect(await p.outputs()).toMatchObject({ id: recreated.id, expired: true });

  await p.pulumi(["destroy", "--yes", "--skip-preview"], { env: { UTHO_TOKENS_NOW: expiresAt } });
  expect(p.emulator.listTokens()).toEqual([]);
  expect(prod.listTokens()).toEqual([]);
  const transcript = p.transcript.join("\n");
  for (const secret of secrets) expect(transcript).not.toContain(secret);
});
