/**
 * One bench case: a Pulumi program of N resources in a fresh project, its own file backend and
 * (for the tokens) its own emulator, driven through the real CLI. Each operation is timed and,
 * for the tokens, counted at the emulator; the provider host's peak memory and the emulator's
 * CPU time are sampled around it.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { type RunningEmulator, startEmulator } from "../emulator";
import { offlineEnv, REPO_ROOT, runPulumi } from "../scripts/engine";
import { installIntoProject } from "../scripts/pack";
import { PROCESS_KINDS, type Usage, watchProcesses } from "./process-usage";

export type Subject = "floor" | "tokens";

const PROGRAMS: Record<Subject, string> = {
  floor: "bench/programs/floor",
  tokens: "tests/e2e/programs/many",
};

export interface Measured {
  seconds: number;
  /** CPU seconds and peak memory of each kind of process of the run (a profile by process). */
  usage: Usage;
  /** Requests by `METHOD path-kind` (tokens only). */
  requests: Record<string, number>;
  /** CPU seconds of this process, which is almost all the in-process emulator's (tokens only). */
  emulatorCpuSeconds: number;
}

export interface Step {
  name: string;
  args: string[];
  /** Something to do before the step, e.g. delete tokens out of band. */
  before?: (emulator: RunningEmulator | undefined) => void;
}

function requestKind(path: string): string {
  if (path.endsWith("/delete")) return "DELETE api/{id}/delete";
  return path.replace(/^\/v2\//, "");
}

function countRequests(emulator: RunningEmulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of emulator.requests) {
    const key = r.method === "DELETE" ? requestKind(r.path) : `${r.method} ${requestKind(r.path)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export async function runCase(
  pulumiBinary: string,
  subject: Subject,
  count: number,
  latencyMs: number,
  steps: Step[],
): Promise<Map<string, Measured>> {
  const benchDir = path.join(REPO_ROOT, ".bench");
  mkdirSync(benchDir, { recursive: true });
  const dir = mkdtempSync(path.join(benchDir, `${subject}-${count}-`));
  cpSync(path.join(REPO_ROOT, PROGRAMS[subject]), dir, { recursive: true });
  installIntoProject(dir);
  const emulator = subject === "tokens" ? await startEmulator({ latencyMs }) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...offlineEnv(path.join(dir, ".state"), "bench-passphrase"),
    ...(emulator ? { UTHO_API_KEY: emulator.rootKey, UTHO_BASE_URL: emulator.baseUrl } : {}),
  };
  const pulumi = async (args: string[]) => {
    const result = await runPulumi(pulumiBinary, [...args, "--stack", "bench", "--non-interactive"], {
      cwd: dir,
      env,
      timeoutMs: 3_600_000,
    });
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} (${subject}, N=${count}) exited ${result.code}\n${result.stderr}`,
      );
    }
  };
  const results = new Map<string, Measured>();
  try {
    await pulumi(["stack", "init"]);
    await pulumi(["config", "set", "count", String(count)]);
    for (const step of steps) {
      step.before?.(emulator);
      emulator?.resetRequests();
      const processes = watchProcesses();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await pulumi(step.args);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      results.set(step.name, {
        seconds,
        usage: processes.stop(),
        requests: emulator ? countRequests(emulator) : {},
        emulatorCpuSeconds: emulator ? (used.user + used.system) / 1e6 : 0,
      });
    }
  } finally {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Several runs of one case as one: the median of each figure, the most of each request count. */
export function combine(runs: Map<string, Measured>[]): Map<string, Measured> {
  const combined = new Map<string, Measured>();
  for (const step of runs[0]?.keys() ?? []) {
    const all = runs.flatMap((run) => run.get(step) ?? []);
    const requests: Record<string, number> = {};
    for (const m of all) {
      for (const [key, count] of Object.entries(m.requests))
        requests[key] = Math.max(requests[key] ?? 0, count);
    }
    const usage = Object.fromEntries(
      (Object.keys(PROCESS_KINDS) as (keyof Usage)[]).map((kind) => [
        kind,
        {
          cpuSeconds: median(all.map((m) => m.usage[kind].cpuSeconds)),
          peakMiB: median(all.map((m) => m.usage[kind].peakMiB)),
        },
      ]),
    ) as Usage;
    combined.set(step, {
      seconds: median(all.map((m) => m.seconds)),
      usage,
      requests,
      emulatorCpuSeconds: median(all.map((m) => m.emulatorCpuSeconds)),
    });
  }
  return combined;
}
