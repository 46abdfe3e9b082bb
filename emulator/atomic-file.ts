import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Replaces `file` with `data` so that a reader (or a crash) only ever sees the old or the new content:
 * the data goes to a temporary file in the same directory, is flushed to disk, then renamed over the
 * target, which is atomic on POSIX file systems. Synchronous, so two writes can never interleave.
 */
export function writeFileAtomicSync(file: string, data: string): void {
  const directory = dirname(file);
  const temp = join(directory, `.${basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    // 0o600: the file holds secret hashes, which are nobody else's business on a shared machine.
    const fd = openSync(temp, "wx", 0o600);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  // The rename itself lives in the directory entry; flushing the directory makes it survive a power cut.
  fsyncDirectorySync(directory);
}

/**
 * Flushes a directory's entries, so a file created or renamed in it survives a power cut. Windows cannot
 * open a directory for fsync, and its rename durability is the file system's business.
 */
export function fsyncDirectorySync(directory: string): void {
  if (process.platform === "win32") return;
  const dirFd = openSync(directory, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
