/**
 * The package as an earlier release built it, for upgrade tests: the sources of one commit,
 * extracted with `git archive` and compiled with this repo's node_modules. Cached under .e2e/,
 * so only the first run pays for the build.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../scripts/engine";

/** The last commit of 0.1.0, whose ApiToken registered the type `pulumi-nodejs:dynamic:Resource`. */
export const RELEASE_0_1_0 = "399025c";

/** Builds (once) and returns the root of the package at `commit`: its package.json and dist/. */
export function buildPreviousVersion(commit: string): string {
  const root = path.join(REPO_ROOT, ".e2e", `previous-${commit}`);
  if (existsSync(path.join(root, "dist", "index.js"))) return root;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  try {
    const archive = execFileSync("git", ["archive", "--format=tar", commit], {
      cwd: REPO_ROOT,
      maxBuffer: 1 << 28,
    });
    execFileSync("tar", ["-x", "-C", root], { input: archive });
  } catch (error) {
    throw new Error(
      `Cannot read commit ${commit} from this clone's history (a shallow clone?); the upgrade test needs it.`,
      { cause: error },
    );
  }
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
    {
      cwd: root,
    },
  );
  return root;
}
