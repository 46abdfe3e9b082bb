/**
 * Peak resident memory of processes whose command line matches, sampled from /proc while a
 * run goes on (Linux only). The kernel's VmHWM is each process's own high-water mark, so a
 * sample every 100 ms still sees a peak between samples, as long as the process is sampled
 * once before it exits.
 */
import { readdirSync, readFileSync } from "node:fs";

function peakKiB(pid: string): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // gone between the listing and the read
  }
}

function matching(pattern: RegExp): string[] {
  return readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return pattern.test(readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      return false;
    }
  });
}

/** Starts sampling; `stop()` returns the largest peak seen, in MiB (0 if none matched). */
export function watchPeakMemory(pattern: RegExp, everyMs = 100): { stop(): number } {
  let peak = 0;
  const sample = () => {
    for (const pid of matching(pattern)) peak = Math.max(peak, peakKiB(pid) ?? 0);
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak / 1024;
    },
  };
}
