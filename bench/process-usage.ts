/**
 * What the processes of one CLI run use, sampled from /proc while it goes on (Linux only): per
 * kind of process, the CPU seconds (user + system) and the peak resident memory. The kernel's
 * VmHWM is each process's own high-water mark, so sampling every 50 ms still sees a peak between
 * samples; CPU time is the last sample of each process, so up to one interval of a process's
 * final work can be missed.
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * The processes of a Pulumi Node.js run, by what their command line shows: node running the
 * script itself, not the short `node -e "require.resolve(...)"` that first looks it up.
 */
export const PROCESS_KINDS = {
  // The dynamic-provider host, or the utho plugin (its bin script execs node on this file).
  "provider host": /node \S*(@pulumi\/pulumi\/cmd\/dynamic-provider|dist\/provider\/plugin\/main\.js)/,
  engine: /bin\/pulumi (up|refresh|destroy|preview)\b/,
  "language host": /pulumi-language-nodejs/,
  program: /node \S*@pulumi\/pulumi\/cmd\/run/,
} as const;

export type ProcessKind = keyof typeof PROCESS_KINDS;

export type Usage = Record<ProcessKind, { cpuSeconds: number; peakMiB: number }>;

const TICKS_PER_SECOND = 100;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined; // the process ended between the listing and the read
  }
}

function kindOf(pid: string): ProcessKind | undefined {
  const command = read(`/proc/${pid}/cmdline`)?.replaceAll("\0", " ");
  if (!command) return undefined;
  return (Object.keys(PROCESS_KINDS) as ProcessKind[]).find((kind) => PROCESS_KINDS[kind].test(command));
}

/** Now, in clock ticks since boot, as /proc gives a process's start time. */
const ticksSinceBoot = () => Number(read("/proc/uptime")?.split(" ")[0] ?? 0) * TICKS_PER_SECOND;

/**
 * Starts sampling; `stop()` returns the usage per kind of process since the start. Only
 * processes started since then count: one left over from an earlier run is not this run's.
 */
export function watchProcesses(everyMs = 50): { stop(): Usage } {
  const seen = new Map<string, { kind: ProcessKind; ticks: number; peakKiB: number }>();
  // One tick of slack: /proc/uptime and start times are both rounded.
  const since = ticksSinceBoot() - 1;
  const sample = () => {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const kind = seen.get(pid)?.kind ?? kindOf(pid);
      if (!kind) continue;
      const stat = read(`/proc/${pid}/stat`)?.split(") ")[1]?.split(" ");
      const status = read(`/proc/${pid}/status`);
      if (!stat || !status || Number(stat[19]) < since) continue;
      const ticks = Number(stat[11]) + Number(stat[12]);
      const peakKiB = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
      seen.set(pid, { kind, ticks, peakKiB });
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const usage = Object.fromEntries(
        Object.keys(PROCESS_KINDS).map((kind) => [kind, { cpuSeconds: 0, peakMiB: 0 }]),
      ) as Usage;
      for (const { kind, ticks, peakKiB } of seen.values()) {
        usage[kind].cpuSeconds += ticks / TICKS_PER_SECOND;
        usage[kind].peakMiB = Math.max(usage[kind].peakMiB, peakKiB / 1024);
      }
      return usage;
    },
  };
}
