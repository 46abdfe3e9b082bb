import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { fsyncDirectorySync } from "./atomic-file";

/** One complete line of a journal, numbered from 1 as an editor shows it. */
export interface JournalLine {
  number: number;
  text: string;
}

/**
 * An append-only file of lines, each on disk before `append` returns. A crash in the middle of an
 * append leaves at most a last line without its newline: a torn line whose append never returned, so
 * never acknowledged. Reading drops it and the next append cuts it off. Synchronous, so two appends
 * can never interleave.
 */
export class Journal {
  private constructor(
    readonly file: string,
    /** Complete lines in the file. */
    private lineCount: number,
    /** Bytes of those complete lines: where the next line goes. */
    private size: number,
    /** Whether the file's directory entry is known to be on disk. */
    private entryDurable: boolean,
  ) {}

  /** Opens `file` (a missing one is empty) with its complete lines; a read error is thrown as it is. */
  static open(file: string): { journal: Journal; lines: JournalLine[] } {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      return { journal: new Journal(file, 0, 0, false), lines: [] };
    }
    // Bytes, not text: the torn tail may end inside a character, and `size` counts what is on disk.
    const end = bytes.lastIndexOf(0x0a) + 1;
    const lines = bytes
      .subarray(0, end)
      .toString("utf8")
      .split("\n")
      .slice(0, -1)
      .map((text, index) => ({ number: index + 1, text }));
    return { journal: new Journal(file, lines.length, end, true), lines };
  }

  get lines(): number {
    return this.lineCount;
  }

  /** Appends `text` (which holds no newline) as one line and flushes it to disk; throws what fs throws. */
  append(text: string): void {
    const line = Buffer.from(`${text}\n`, "utf8");
    // 0o600 when created: the lines may be as private as the snapshot's.
    const fd = openSync(this.file, "a", 0o600);
    try {
      // Cut off whatever a torn append (or a failed one that could not be taken back) left behind.
      if (fstatSync(fd).size > this.size) ftruncateSync(fd, this.size);
      try {
        writeFileSync(fd, line);
        fdatasyncSync(fd);
        if (!this.entryDurable) fsyncDirectorySync(dirname(this.file));
      } catch (error) {
        // Take the line back, so that a failed append leaves nothing a restart would replay. Should that
        // fail too, the next append cuts it off first, and until then a restart drops it as torn only if
        // it is incomplete: the best a disk that fails writes allows.
        try {
          ftruncateSync(fd, this.size);
          fdatasyncSync(fd);
        } catch {
          // The error worth reporting is the one that failed the append.
        }
        throw error;
      }
    } finally {
      closeSync(fd);
    }
    this.entryDurable = true;
    this.size += line.length;
    this.lineCount += 1;
  }

  /** Empties the file, on disk before it returns; one that was never created is already empty. */
  truncate(): void {
    if (!this.entryDurable) return;
    const fd = openSync(this.file, "r+");
    try {
      ftruncateSync(fd, 0);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.size = 0;
    this.lineCount = 0;
  }
}
