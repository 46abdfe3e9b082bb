/**
 * Moving a stack from the dynamic `ApiToken` to the `utho` plugin's `utho:index:ApiToken` with
 * Pulumi's own aliases (docs/migrate.md): without an alias the new type is a new resource (a
 * token minted, the old one revoked); with one, the engine carries the resource over to the new
 * type and provider with no replacement and no request that writes, the tokens' ids, secrets and
 * fingerprints kept, a resource's own `connection` included. YAML programs stand for any
 * language; their aliases are the old URNs.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { REPO_ROOT } from "../../scripts/engine";
import { type E2EProject, type StateExport, useProjects } from "../support/e2e";

const openProject = useProjects();
let prod: RunningEmulator | undefined;
afterEach(async () => {
  await prod?.close();
  prod = undefined;
});

const DYNAMIC_TYPE = "pulumi-nodejs:dynamic/utho:ApiToken";
const PLUGIN_TYPE = "utho:index:ApiToken";

/**
 * The project's program becomes the YAML program in tests/e2e/programs/`name`, which declares
 * the same resources with the plugin's type; `dropAliases` drops its `options:` blocks (aliases).
 */
function switchProgram(p: E2EProject, name: string, { dropAliases = false } = {}): void {
  rmSync(path.join(p.dir, "index.js"), { force: true });
  const program = readFileSync(path.join(REPO_ROOT, "tests/e2e/programs", name, "Pulumi.yaml"), "utf8");
  writeFileSync(
    path.join(p.dir, "Pulumi.yaml"),
    dropAliases ? program.replace(/ {4}options:\n( {6,}.*\n)+/g, "") : program,
  );
}

type StateResource = NonNullable<StateExport["deployment"]["resources"]>[number];

/** The token resources of a state exported with its secrets, by name, whatever their type. */
function tokenResources(state: StateExport): Map<string, StateResource> {
  const tokens = (state.deployment.resources ?? []).filter((r) => r.type.endsWith("ApiToken"));
  return new Map(tokens.map((r) => [r.urn.slice(r.urn.lastIndexOf("::") + 2), r]));
}

/** What must not change in a move: the token, its secret (still a secret) and what Utho said of it. */
const held = (r: StateResource | undefined) => ({
  id: r?.id,
  ...Object.fromEntries(
    ["tokenId", "fingerprint", "name", "scope", "accountId", "token"].map((k) => [k, r?.outputs?.[k]]),
  ),
});

it("an alias moves dynamic ApiTokens to the plugin with no replacement: same tokens, same secrets, nothing minted or revoked", async () => {
  const p = await openProject("tests/e2e/programs/two-accounts");
  prod = await startEmulator({ accountId: "90001" });
  await p.setConfig("prodApiKey", prod.rootKey, { secret: true });
  await p.setConfig("prodBaseUrl", prod.baseUrl);
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const listed = [p.emulator.listTokens(), prod.listTokens()];
  const before = tokenResources(await p.exportSecrets());
  expect([...before.values()].map((r) => r.type)).toEqual([DYNAMIC_TYPE, DYNAMIC_TYPE]);
  p.emulator.resetRequests();
  prod.resetRequests();

  // Without aliases the plugin's resources are new ones: tokens minted, the old ones revoked.
  switchProgram(p, "two-accounts-plugin", { dropAliases: true });
  const unaliased = (await p.pulumi(["preview"])).stdout;
  for (const name of ["dev-reader", "prod-deployer"]) {
    expect(unaliased).toMatch(new RegExp(`\\+\\s+${PLUGIN_TYPE}\\s+${name}\\s+create`));
    expect(unaliased).toMatch(new RegExp(`-\\s+${DYNAMIC_TYPE}\\s+${name}\\s+delete`));
  }

  // With them (the old URNs), nothing changes, in the preview and in the up.
  switchProgram(p, "two-accounts-plugin");
  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const after = tokenResources(await p.exportSecrets());
  for (const [name, resource] of before) {
    const moved = after.get(name);
    expect(moved?.type).toBe(PLUGIN_TYPE);
    expect(moved?.urn).toBe(resource.urn.replace(DYNAMIC_TYPE, PLUGIN_TYPE));
    expect(held(moved)).toEqual(held(resource));
  }
  // The secret is still one: encrypted in the state, shown here only by --show-secrets.
  expect(after.get("prod-deployer")?.outputs?.token).toEqual({
    "4dabf18193072939515e22adb298388d": expect.any(String),
    plaintext: expect.any(String),
  });

  // Once every stack has moved, the aliases may go; the second account's token may then take
  // an explicit provider in place of its own connection: an update, which mints nothing.
  switchProgram(p, "two-accounts-provider");
  const update = await p.pulumi(["up", "--yes", "--skip-preview"]);
  expect(update.stdout).toMatch(/prod-deployer updated .*\[diff: -connection~provider\]/);
  await p.pulumi(["preview", "--expect-no-changes"]);
  // The plugin's update left the dynamic provider's closure behind; the unchanged token keeps it.
  const updated = tokenResources(await p.exportSecrets());
  expect(updated.get("prod-deployer")?.outputs).not.toHaveProperty("__provider");
  expect(held(updated.get("prod-deployer"))).toEqual(held(before.get("prod-deployer")));

  const writes = (e: RunningEmulator) => e.requests.filter((r) => r.method !== "GET");
  expect([writes(p.emulator), writes(prod)]).toEqual([[], []]);
  expect([p.emulator.listTokens(), prod.listTokens()]).toEqual(listed);
});
