/**
 * A stack created by 0.1.0 (whose tokens had the type `pulumi-nodejs:dynamic:Resource`) keeps
 * its tokens after an upgrade: the alias carries each one over to `utho:ApiToken`, with no
 * replacement, no request that writes, and the secret intact.
 */
import { useProjects } from "../support/e2e";
import { buildPreviousVersion, RELEASE_0_1_0 } from "../support/previous-version";

const openProject = useProjects();

interface Deployment {
  deployment: { resources: { type: string; id?: string }[] };
}

const tokenTypes = (state: string) =>
  (JSON.parse(state) as Deployment).deployment.resources
    .map((r) => r.type)
    .filter((type) => type.startsWith("pulumi-nodejs:dynamic"));

it("an upgrade from 0.1.0 neither replaces nor loses a token", async () => {
  const previous = buildPreviousVersion(RELEASE_0_1_0);
  const p = await openProject("tests/e2e/programs/token", { packageRoot: previous });
  await p.setConfig("scope", "write");
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  expect(tokenTypes(await p.exportState())).toEqual(["pulumi-nodejs:dynamic:Resource"]);
  const [token] = p.emulator.listTokens();
  const secret = await p.secretOutput("token");

  p.installPackage();
  p.emulator.resetRequests();
  const preview = await p.pulumi(["preview", "--diff"]);
  expect(preview.stdout).not.toMatch(/replace|create|delete/);
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  expect(p.emulator.requests.filter((r) => r.method !== "GET")).toEqual([]);
  expect(tokenTypes(await p.exportState())).toEqual(["pulumi-nodejs:dynamic/utho:ApiToken"]);
  expect(p.emulator.listTokens()).toEqual([token]);
  expect(await p.secretOutput("token")).toBe(secret);
  expect((await p.pulumi(["stack", "output", "id"])).stdout.trim()).toBe(token?.id);

  await p.pulumi(["preview", "--expect-no-changes"]);
  await p.pulumi(["refresh", "--yes", "--expect-no-changes"]);
  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens()).toEqual([]);
});
