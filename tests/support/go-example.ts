/**
 * examples/go's Go SDK, generated in a copy of the example as its README says. A copy under .e2e/
 * sits two folders below the repository's root as examples/go does, so `../../bin` (in these
 * commands and in its Pulumi.yaml) names this checkout's plugin, and `../../scripts` its scripts.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { offlineEnv, runCommand } from "../../scripts/engine";

/** The README's two commands that generate the SDK, word for word (the tests check it holds them). */
export const GENERATE_SDK_COMMANDS = [
  "pulumi package get-schema ../../bin/pulumi-resource-utho > schema.json",
  "../../scripts/gen-sdk.sh schema.json sdk go",
];

/** Runs `binary args` in `dir`; its stdout, or an error with its stderr on a non-zero exit. */
export async function run(
  binary: string,
  args: string[],
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const result = await runCommand(binary, args, { cwd: dir, env });
  if (result.code !== 0) {
    throw new Error(`${path.basename(binary)} ${args.join(" ")} exited ${result.code}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Runs GENERATE_SDK_COMMANDS in `dir` with the `pulumi` at `pulumiBinary`: the SDK lands in sdk/go. */
export async function generateGoSdk(dir: string, pulumiBinary: string): Promise<void> {
  const env = { ...process.env, ...offlineEnv(path.join(dir, ".state"), "unused") };
  const schema = await run(
    pulumiBinary,
    ["package", "get-schema", "../../bin/pulumi-resource-utho"],
    dir,
    env,
  );
  writeFileSync(path.join(dir, "schema.json"), schema);
  await run(path.join(dir, "../../scripts/gen-sdk.sh"), ["schema.json", "sdk", "go"], dir);
}
