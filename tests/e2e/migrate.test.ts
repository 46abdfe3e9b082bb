/**
 * Moving a stack from the dynamic `ApiToken` to the `utho` plugin's `utho:index:ApiToken` with
 * Pulumi's own aliases (docs/migrate.md): without an alias the new type is a new resource (a
 * token minted, the old one revoked); with one, the engine carries the resource over to the new
 * type and provider with no replacement and no request that writes, the token's id, secret and
 * fingerprint kept. A YAML program stands for any language; its alias is the old URN.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../scripts/engine";
import { type E2EProject, type StateExport, useProjects } from "../support/e2e";

const openProject = useProjects();

const DYNAMIC_TYPE = "pulumi-nodejs:dynamic/utho:ApiToken";

const PLUGIN_PROGRAM = path.join(REPO_ROOT, "tests/e2e/programs/token-plugin/Pulumi.yaml");

/**
 * The project's program becomes a YAML one (tests/e2e/programs/token-plugin) declaring the same
 * resource with the plugin's type: with its alias, or without (its `options:` block dropped).
 */
function switchToPlugin(p: E2EProject, { alias }: { alias: boolean }): void {
  rmSync(path.join(p.dir, "index.js"), { force: true });
  const program = readFileSync(PLUGIN_PROGRAM, "utf8");
  writeFileSync(
    path.join(p.dir, "Pulumi.yaml"),
    alias ? program : program.replace(/ {4}options:\n( {6,}.*\n)+/, ""),
  );
}

/** The one token resource of a state exported with its secrets, whatever its type. */
function tokenResource(state: StateExport) {
  const tokens = (state.deployment.resources ?? []).filter((r) => r.type.endsWith("ApiToken"));
  expect(tokens).toHaveLength(1);
  return tokens[0] as NonNullable<StateExport["deployment"]["resources"]>[number];
}

it("an alias moves a dynamic ApiToken to the plugin with no replacement: same token, same secret, nothing minted or revoked", async () => {
  const p = await openProject("tests/e2e/programs/token", { credentials: "config" });
  await p.setConfig("scope", "read");
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const listed = p.emulator.listTokens();
  const before = tokenResource(await p.exportSecrets());
  expect(before.type).toBe(DYNAMIC_TYPE);
  p.emulator.resetRequests();

  // Without an alias the plugin's resource is a new one: a token minted, the old one revoked.
  switchToPlugin(p, { alias: false });
  const unaliased = await p.pulumi(["preview"]);
  expect(unaliased.stdout).toMatch(/\+\s+utho:index:ApiToken\s+token\s+create/);
  expect(unaliased.stdout).toMatch(/-\s+pulumi-nodejs:dynamic\/utho:ApiToken\s+token\s+delete/);

  // With one (the old URN), nothing changes, in the preview and the up.
  expect(before.urn).toBe(`urn:pulumi:e2e::e2e-token::${DYNAMIC_TYPE}::token`);
  switchToPlugin(p, { alias: true });
  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const after = tokenResource(await p.exportSecrets());
  expect(after.type).toBe("utho:index:ApiToken");
  expect(after.urn).toBe(before.urn.replace(DYNAMIC_TYPE, "utho:index:ApiToken"));
  expect(after.id).toBe(before.id);
  for (const output of ["tokenId", "fingerprint", "name", "token"]) {
    expect(after.outputs?.[output]).toEqual(before.outputs?.[output]);
  }
  // The secret is still one: kept encrypted in the state, shown here only by --show-secrets.
  expect(after.outputs?.token).toEqual({
    "4dabf18193072939515e22adb298388d": expect.any(String),
    plaintext: expect.any(String),
  });

  // The alias may go once every stack has run an up with it.
  switchToPlugin(p, { alias: false });
  await p.pulumi(["preview", "--expect-no-changes"]);

  expect(p.emulator.requests.filter((r) => r.method !== "GET")).toEqual([]);
  expect(p.emulator.listTokens()).toEqual(listed);
});
