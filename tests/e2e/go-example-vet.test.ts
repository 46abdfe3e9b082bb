/**
 * examples/go compiles against the Go SDK generated from this checkout's plugin schema, as its
 * README generates it: a schema change that breaks Go programs fails `npm test`. `go vet`
 * type-checks the program and runs its analyzers; running it through the CLI is the long test's
 * (tests/long/go-example.test.ts), since a cold compile of the Pulumi Go SDK takes minutes.
 * With Go's build cache warm this takes seconds.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { provisionPulumi, REPO_ROOT } from "../../scripts/engine";
import { useProjects } from "../support/e2e";
import { GENERATE_SDK_COMMANDS, generateGoSdk, run } from "../support/go-example";

const openProject = useProjects();
// A cold Go build cache compiles github.com/pulumi/pulumi/sdk/v3 first: minutes on two cores.
jest.setTimeout(600_000);

it("examples/go: its README's commands generate the SDK, and go vet passes against it", async () => {
  const readme = readFileSync(path.join(REPO_ROOT, "examples/go/README.md"), "utf8");
  for (const command of GENERATE_SDK_COMMANDS) expect(readme).toContain(`\n${command}\n`);

  const p = await openProject("examples/go", { npmPackage: false });
  await generateGoSdk(p.dir, provisionPulumi());
  const generated = readFileSync(path.join(p.dir, "sdk/go/go.mod"), "utf8");
  expect(generated).toContain("module github.com/utho-cloud/utho-pulumi-tokens/sdk/go\n");
  await run("go", ["vet", "./..."], p.dir);
});
