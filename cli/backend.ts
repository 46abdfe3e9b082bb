/**
 * Mending what a kill can tear in Pulumi's file backend (`file://…`). Its blob store keeps, for
 * each state file, an `.attrs` sidecar of metadata, and rewrites that sidecar in place (truncate,
 * then write) just before it renames a new checkpoint into place. A run killed between the two
 * (a cancelled CI job) leaves the sidecar empty or cut short, while the checkpoint beside it is
 * whole; from then on every command on the stack, `pulumi cancel` included, fails with
 * `failed to load checkpoint: EOF`. A sidecar that does not parse holds nothing the backend
 * needs (it reads a missing one as "no metadata"), so removing it restores the stack as the
 * last completed checkpoint wrote it. Seen in this project's crash tests; a backend URL with
 * `?metadata=skip` writes no sidecars at all. Only the named stack's own checkpoint sidecars
 * are looked at: a backend holds other projects' stacks, which are not this tool's to touch.
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SIDECAR = ".attrs";

/** Sidecars younger than this may be being written by a live run this very moment. */
const SETTLED_MS = 5_000;

/** The directory of a `file://` backend URL (query such as `?metadata=skip` dropped), else undefined. */
export function fileBackendRoot(url: string | undefined): string | undefined {
  if (!url?.startsWith("file://")) return undefined;
  const plain = url.replace(/\?.*$/, "");
  // `file://~/state` and relative paths are the CLI's own shorthands.
  if (plain.startsWith("file://~")) return path.join(process.env.HOME ?? "", plain.slice("file://~".length));
  return plain.startsWith("file:///") ? fileURLToPath(plain) : path.resolve(plain.slice("file://".length));
}

/**
 * The sidecars of one stack's checkpoint (`<stack>.json`, and its `.bak` and `.gz` forms), in the
 * project's folder (`.pulumi/stacks/<project>/`) or, for a backend of the older layout, in
 * `.pulumi/stacks/` itself.
 */
function stackSidecars(root: string, project: string | undefined, stack: string): string[] {
  const stacks = path.join(root, ".pulumi", "stacks");
  const dirs = project === undefined ? [stacks] : [path.join(stacks, project), stacks];
  return dirs.flatMap((dir) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => name.startsWith(`${stack}.json`) && name.endsWith(SIDECAR))
      .map((name) => path.join(dir, name));
  });
}

function torn(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, "utf8"));
    return false;
  } catch {
    return true;
  }
}

/**
 * The sidecars of stack `stack` (its last name part) of `project` that do not parse and are not
 * being written now.
 */
export function tornSidecars(
  root: string,
  project: string | undefined,
  stack: string,
  at = Date.now(),
): string[] {
  return stackSidecars(root, project, stack).filter(
    (file) => torn(file) && at - statSync(file).mtimeMs >= SETTLED_MS,
  );
}

export function removeSidecars(files: readonly string[]): void {
  for (const file of files) rmSync(file, { force: true });
}
