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

/**
 * Runs `npm pack` of the package at `root` into `destination`: by default with no lifecycle
 * scripts (the caller built dist/ already); with `{ scripts: true }` as a user's `npm pack` runs,
 * its `prepare` building dist/ first.
 */
export function pack(destination: string, root = REPO_ROOT, options: { scripts?: boolean } = {}): Packed {
  const out = execFileSync(
    "npm",
    [
      "pack",
      "--json",
      ...(options.scripts ? [] : ["--ignore-scripts"]),
      "--no-audit",
      "--no-fund",
      "--pack-destination",
      destination,
    ],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  // Lifecycle scripts print to stdout before the JSON report.
  const [report] = JSON.parse(out.slice(out.indexOf("[\n"))) as {
    filename: string;
    files: { path: string }[];
  }[];
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

/**
 * The environment variable naming this checkout's tarball once a jest run packed it (the global
 * setup, tests/support/build.js, packs right after the build): every project of the run installs
 * that one tarball.
 */
export const PACKED_TARBALL_ENV = "UTHO_TOKENS_PACKED_TARBALL";

/** Tarballs this process packed, by package root, and the scratch folder that holds them. */
const packedHere = new Map<string, string>();
let scratch: string | undefined;

/** The tarball of the package at `root`, packed once per run (or per process outside jest). */
export function packedTarball(root = REPO_ROOT): string {
  const fromRun = process.env[PACKED_TARBALL_ENV];
  if (root === REPO_ROOT && fromRun) return fromRun;
  const known = packedHere.get(root);
  if (known) return known;
  if (scratch === undefined) {
    const dir = mkdtempSync(path.join(tmpdir(), "utho-pack-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  const destination = mkdtempSync(path.join(scratch, "root-"));
  const { tarball } = pack(destination, root);
  packedHere.set(root, tarball);
  return tarball;
}

/**
 * Installs the package packed from `root` into a Pulumi project, as npm would. Its dependencies
 * resolve from this repo's node_modules; a symlink keeps @pulumi/pulumi a single instance for
 * the program and the provider host.
 */
export function installIntoProject(projectDir: string, root = REPO_ROOT): void {
  unpack(packedTarball(root), projectDir);
  const pulumiLink = path.join(projectDir, "node_modules/@pulumi");
  rmSync(pulumiLink, { force: true });
  symlinkSync(path.join(REPO_ROOT, "node_modules/@pulumi"), pulumiLink);
}
