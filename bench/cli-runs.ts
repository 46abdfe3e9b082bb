/**
 * One bench case: a Pulumi program of N resources in a fresh project, its own file backend and
 * (for the tokens) its own emulator, driven through the real CLI. Each operation is timed and,
 * for the tokens, counted at the emulator; the provider host's peak memory and the emulator's
 * CPU time are sampled around it.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { type RunningEmulator, startEmulator } from "../emulator";
import { offlineEnv, REPO_ROOT, runCommand } from "../scripts/engine";
import { installIntoProject } from "../scripts/pack";
import { PROCESS_KINDS, type Usage, watchProcesses } from "./process-usage";
import { type ProfileSummary, summarizeProfiles } from "./profile";

/** The engine floor, the dynamic `ApiToken`, and the same tokens served by the `utho` plugin. */
export type Subject = "floor" | "tokens" | "plugin";

const PROGRAMS: Record<Subject, string> = {
  floor: "bench/programs/floor",
  tokens: "tests/e2e/programs/many",
  plugin: "bench/programs/plugin",
};

export interface Measured {
  seconds: number;
  /** CPU seconds and peak memory of each kind of process of the run (a profile by process). */
  usage: Usage;
  /** Requests by `METHOD path-kind` (tokens only). */
  requests: Record<string, number>;
  /** CPU seconds of this process, which is almost all the in-process emulator's (tokens only). */
  emulatorCpuSeconds: number;
  /** Self time by package and process, when the case ran with a profile directory. */
  profile?: ProfileSummary;
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

/**
 * An environment in which every `node` the CLI starts (the language host's program, the
 * dynamic-provider host) runs under V8's CPU profiler, writing into `dir`. Node refuses
 * `--cpu-prof` in NODE_OPTIONS, so a `node` shim goes first on the PATH. The profile is written
 * when a process exits; the engine stops the provider host with SIGINT, which would end it
 * before that, so a preloaded handler turns SIGINT into an ordinary exit.
 */
function profiledEnv(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  const shimDir = path.join(dir, "bin");
  mkdirSync(shimDir, { recursive: true });
  const preload = path.join(shimDir, "exit-on-sigint.js");
  writeFileSync(preload, 'process.once("SIGINT", () => process.exit(130));\n');
  const shim = path.join(shimDir, "node");
  writeFileSync(
    shim,
    `#!/bin/sh\nexec "${process.execPath}" --cpu-prof --cpu-prof-dir="${dir}" -r "${preload}" "$@"\n`,
  );
  chmodSync(shim, 0o755);
  return { ...env, PATH: `${shimDir}${path.delimiter}${env.PATH ?? ""}` };
}

export async function runCase(
  pulumiBinary: string,
  subject: Subject,
  count: number,
  latencyMs: number,
  steps: Step[],
  /** Profile every Node.js process of each step into a folder of its own below this one. */
  profileDir?: string,
): Promise<Map<string, Measured>> {
  const benchDir = path.join(REPO_ROOT, ".bench");
  mkdirSync(benchDir, { recursive: true });
  const dir = mkdtempSync(path.join(benchDir, `${subject}-${count}-`));
  cpSync(path.join(REPO_ROOT, PROGRAMS[subject]), dir, { recursive: true });
  installIntoProject(dir);
  // The floor's provider, as a package: serialized by reference, like ours.
  if (subject === "floor") {
    cpSync(path.join(dir, "provider"), path.join(dir, "node_modules/bench-floor-provider"), {
      recursive: true,
    });
  }
  const emulator = subject === "floor" ? undefined : await startEmulator({ latencyMs });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...offlineEnv(path.join(dir, ".state"), "bench-passphrase"),
    ...(emulator ? { UTHO_API_KEY: emulator.rootKey, UTHO_BASE_URL: emulator.baseUrl } : {}),
  };
  const pulumi = async (args: string[], stepProfileDir?: string) => {
    const result = await runCommand(pulumiBinary, [...args, "--stack", "bench", "--non-interactive"], {
      cwd: dir,
      env: stepProfileDir ? profiledEnv(env, stepProfileDir) : env,
      timeoutMs: 3_600_000,
    });
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} (${subject}, N=${count}) exited ${result.code}\n${result.stdout}\n${result.stderr}`,
      );
    }
  };
  const results = new Map<string, Measured>();
  try {
    await pulumi(["stack", "init"]);
    await pulumi(["config", "set", "count", String(count)]);
    for (const [index, step] of steps.entries()) {
      const stepProfileDir = profileDir && path.join(profileDir, `${subject}-${count}-${index}`);
      if (stepProfileDir) mkdirSync(stepProfileDir, { recursive: true });
      step.before?.(emulator);
      emulator?.resetRequests();
      const processes = watchProcesses();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await pulumi(step.args, stepProfileDir);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      results.set(step.name, {
        seconds,
        usage: processes.stop(),
        requests: emulator ? countRequests(emulator) : {},
        emulatorCpuSeconds: emulator ? (used.user + used.system) / 1e6 : 0,
        ...(stepProfileDir ? { profile: summarizeProfiles(stepProfileDir) } : {}),
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
