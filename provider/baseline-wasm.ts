/**
 * undici parses HTTP with llhttp compiled to WebAssembly, once per process, at its first
 * connection, and V8 then recompiles the parser with its optimising tier in the background: for
 * a parser that reads a few hundred small responses a run, that took the provider host's peak
 * from 66 to 101 MB (bench/analysis.md); in one Node 20 process making 250 listings, from 83 to
 * 114 MB. Baseline-compiled WebAssembly (`--liftoff-only`) is all it needs.
 *
 * V8 fixes a module's tiers when it compiles it, so the flag need not stay set: it is set only
 * while the provider's first operation runs (its first request is when undici compiles the
 * parser), and switched back when that operation ends. Set for the whole process, as it was
 * from import time on, it kept the WebAssembly of every other dynamic provider the same host
 * runs on the baseline tier too; in this window, at the start of a run, another module
 * compiled meanwhile would only be slower, never wrong.
 */
import { setFlagsFromString } from "node:v8";

// This process's one window: not opened yet, open, or over.
let window: "unopened" | "open" | "over" = "unopened";

/** Runs `operation`, the first one of the process with WebAssembly compiled by the baseline tier only. */
export async function withBaselineWasm<T>(operation: () => Promise<T>): Promise<T> {
  if (window !== "unopened") return operation();
  window = "open";
  setFlagsFromString("--liftoff-only");
  try {
    return await operation();
  } finally {
    setFlagsFromString("--no-liftoff-only");
    window = "over";
  }
}
