/**
 * The examples' READMEs as the e2e tests follow them: the `pulumi` commands of each README's
 * shell block, in order, on the project's stack.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../scripts/engine";
import type { E2EProject } from "./e2e";

/** The shell commands of an example's README: its first `sh` block, comments dropped. */
function readmeCommands(example: string): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, "examples", example, "README.md"), "utf8");
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/(^|\s+)#.*$/, "").trim())
    .filter((line) => line !== "");
}

/**
 * Runs the `pulumi` commands of an example's README on the project's stack, which the harness
 * has created (`stack init` is skipped): each `<placeholder>` takes its value from `values`, and
 * `up` confirms with --yes as a non-interactive run must.
 */
export async function followReadme(
  p: E2EProject,
  example: string,
  values: Record<string, string>,
): Promise<void> {
  const commands = readmeCommands(example);
  expect(commands.slice(0, 3)).toEqual(["npm ci", `cd examples/${example}`, "npm install"]);
  for (const command of commands.filter((line) => line.startsWith("pulumi "))) {
    const args = command
      .replace(/<[^>]+>/g, (placeholder) => {
        const value = values[placeholder];
        if (value === undefined) throw new Error(`no value for ${placeholder} in ${example}'s README`);
        return value;
      })
      .split(" ")
      .slice(1);
    if (args[0] === "stack" && args[1] === "init") continue;
    const secret = args.includes("--secret") || args.includes("--show-secrets");
    await p.pulumi(args[0] === "up" ? [...args, "--yes"] : args, { secret });
  }
}

/** What Pulumi prints for an output the program left undefined: no example may show it. */
export const UNDEFINED_OUTPUT = /Undefined value/;
