/**
 * Mending what a kill can tear in Pulumi's file backend (`file://…`). Its blob store keeps, for
 * each state file, an `.attrs` sidecar of metadata, and rewrites that sidecar in place (truncate,
 * then write) just before it renames a new checkpoint into place. A run killed between the two
 * (a cancelled CI job) leaves the sidecar empty or cut short, while the checkpoint beside it is
 * whole; from then on every command on the stack, `pulumi cancel` included, fails with
 * `failed to load checkpoint: EOF`. A sidecar that does not parse holds nothing the backend
 * needs (it reads a missing one as "no metadata"), so removing it restores the stack as the
 * last completed checkpoint wrote it. Seen in this project's crash tests; a backend URL with
 * `?metadata=skip` writes no sidecars at all.
 */
import { type Dirent, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
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

function sidecarsUnder(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sidecarsUnder(full);
    return entry.name.endsWith(SIDECAR) ? [full] : [];
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

/** Every sidecar under the backend's `.pulumi` folder that does not parse and is not being written now. */
export function tornSidecars(root: string, at = Date.now()): string[] {
  return sidecarsUnder(path.join(root, ".pulumi")).filter(
    (file) => torn(file) && at - statSync(file).mtimeMs >= SETTLED_MS,
  );
}

export function removeSidecars(files: readonly string[]): void {
  for (const file of files) rmSync(file, { force: true });
}
