/**
 * The package exactly as npm ships it: `npm pack` of the repo (dist/ built first), unpacked
 * where npm would install it. Used by the surface test, the end-to-end harness and the bench,
 * so all of them run the files a user gets and nothing else.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./engine";

export { REPO_ROOT };
export const PACKAGE_NAME = "utho-pulumi-tokens";

export interface Packed {
  /** The tarball's path. */
  tarball: string;
  /** Every file in it, relative to the package root, as `npm pack --json` lists them. */
  files: string[];
}

/** Runs `npm pack` (no lifecycle scripts) of the package at `root` into `destination`. */
export function pack(destination: string, root = REPO_ROOT): Packed {
  const out = execFileSync(
    "npm",
    ["pack", "--json", "--ignore-scripts", "--no-audit", "--no-fund", "--pack-destination", destination],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const [report] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(destination, report.filename), files: report.files.map((f) => f.path) };
}

/**
 * Unpacks a tarball from `pack` into `<projectDir>/node_modules/utho-pulumi-tokens`, replacing
 * whatever was installed there, as npm does; returns that directory.
 */
export function unpack(tarball: string, projectDir: string): string {
  const dir = path.join(projectDir, "node_modules", PACKAGE_NAME);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", dir, "--strip-components=1"]);
  return dir;
}

/** `pack` and `unpack` in one, leaving no tarball behind; returns the files shipped. */
export function installPacked(projectDir: string, root = REPO_ROOT): string[] {
  const scratch = mkdtempSync(path.join(tmpdir(), "utho-pack-"));
  try {
    const { tarball, files } = pack(scratch, root);
    unpack(tarball, projectDir);
    return files;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Installs the package packed from `root` into a Pulumi project, as npm would. Its dependencies
 * resolve from this repo's node_modules; a symlink keeps @pulumi/pulumi a single instance for
 * the program and the provider host.
 */
export function installIntoProject(projectDir: string, root = REPO_ROOT): void {
  installPacked(projectDir, root);
  const pulumiLink = path.join(projectDir, "node_modules/@pulumi");
  rmSync(pulumiLink, { force: true });
  symlinkSync(path.join(REPO_ROOT, "node_modules/@pulumi"), pulumiLink);
}
