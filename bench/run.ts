/**
 * `npm run bench`: what the provider costs next to the Pulumi engine itself. For each N, a
 * program of N ApiTokens against the emulator and the engine floor (N dynamic resources whose
 * provider does nothing) run the same operations through the same CLI, one after the other on
 * this machine. It prints and writes bench/results.md (with bench/ratios.svg): wall time of
 * each run and the ratio ours / floor, requests per method, the provider host's peak memory and
 * the emulator's CPU time. Bounded: every run is a fixed program; nothing here asserts.
 *
 *   npm run bench                                  # N = 10, 100, 1000; latency 0 and 50 ms
 *   npm run bench -- --sizes 10,100 --latencies 0  # a quicker look
 *   npm run bench -- --sizes 10 --profile-size 1000 # where the time goes at N = 1000
 *   npm run bench -- --sizes 100,1000 --latent-sizes 100 # latency 50 ms at N = 100 only
 *   npm run bench -- --sizes 100 --plugin-sizes 100 # the utho plugin beside (the default: N = 100)
 *
 * Below N = 1000 each case runs --repeat times (floor and tokens alternating) and the median is
 * reported; the N = 1000 cases run --large-repeat times (default once), as each takes minutes.
 * Then one more round at --profile-size (latency 0) runs under V8's CPU profiler
 * (bench/profile.ts), untimed, and the page says which code ours spends its extra time in.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { formatTable } from "../cli/table";
import { provisionPulumi, REPO_ROOT } from "../scripts/engine";
import { combine, type Measured, runCase, type Step } from "./cli-runs";
import {
  type CaseResult,
  COMPARED,
  cpuTable,
  memoryTable,
  pluginTable,
  profileTable,
  ratio,
  ratioChart,
  requestTable,
  timeTable,
} from "./report";

const FLOOR_STEPS: Step[] = [
  { name: "up", args: ["up", "--yes"] },
  { name: "up, nothing to change", args: ["up", "--yes", "--expect-no-changes"] },
  // --skip-preview: a preview would read every resource a second time, in another process.
  { name: "refresh", args: ["refresh", "--yes", "--skip-preview", "--expect-no-changes"] },
  { name: "destroy", args: ["destroy", "--yes"] },
];

const TOKEN_STEPS: Step[] = [
  ...FLOOR_STEPS.slice(0, 3),
  {
    name: "refresh, 10 % deleted out of band",
    args: ["refresh", "--yes", "--skip-preview"],
    before: (emulator) => {
      for (const [i, token] of (emulator?.listTokens() ?? []).entries()) {
        if (i % 10 === 3) emulator?.deleteTokenOutOfBand(token.id);
      }
    },
  },
  { name: "up, recreating them", args: ["up", "--yes"] },
  FLOOR_STEPS[3] as Step,
];

const numbers = (text: string) =>
  text
    .split(",")
    .map((part) => Number(part.trim()))
    .filter((n) => Number.isInteger(n) && n >= 0);

function environment(pulumiBinary: string, repeat: number, largeRepeat: number): string[] {
  const version = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  const cpus = os.cpus();
  const cli = execFileSync(pulumiBinary, ["version"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  }).trim();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- Node.js ${process.version}; Pulumi CLI ${cli} (default parallelism 8 here); @pulumi/pulumi ${version(path.join(REPO_ROOT, "node_modules/@pulumi/pulumi/package.json"))}; utho-pulumi-tokens ${version(path.join(REPO_ROOT, "package.json"))}`,
    `- Each run is one CLI command on a fresh file backend; below N = 1000 each figure is the median of ${repeat} rounds (floor and tokens alternating), at N = 1000 ${largeRepeat === 1 ? "of one" : `the median of ${largeRepeat}`}. The emulator runs in the bench's process, so its CPU time is that process's.`,
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10,100,1000" },
      latencies: { type: "string", default: "0,50" },
      out: { type: "string", default: path.join(REPO_ROOT, "bench/results.md") },
      repeat: { type: "string", default: "3" },
      /** Rounds at N ≥ 1000. */
      "large-repeat": { type: "string", default: "1" },
      "profile-size": { type: "string", default: "100" },
      /** The sizes at which a latency above 0 runs too. @default every size */
      "latent-sizes": { type: "string" },
      /** The sizes at which the plugin's tokens run beside the dynamic ones (none: ""). */
      "plugin-sizes": { type: "string", default: "100" },
    },
  });
  const sizes = numbers(values.sizes);
  const allLatencies = numbers(values.latencies);
  const latentSizes = values["latent-sizes"] === undefined ? sizes : numbers(values["latent-sizes"]);
  const pluginSizes = numbers(values["plugin-sizes"]);
  const pulumiBinary = provisionPulumi();
  const rounds = (option: string | undefined) => Math.max(1, Number(option) || 1);
  const header = environment(pulumiBinary, rounds(values.repeat), rounds(values["large-repeat"]));
  const results: CaseResult[] = [];
  for (const count of sizes) {
    const repeat = rounds(count >= 1000 ? values["large-repeat"] : values.repeat);
    const latencies = allLatencies.filter((latency) => latency === 0 || latentSizes.includes(count));
    const floors: Map<string, Measured>[] = [];
    const tokens = new Map<number, Map<string, Measured>[]>(latencies.map((latency) => [latency, []]));
    const plugin = new Map<number, Map<string, Measured>[]>(latencies.map((latency) => [latency, []]));
    for (let round = 1; round <= repeat; round++) {
      process.stderr.write(`[bench] N=${count}, round ${round} of ${repeat}: engine floor\n`);
      floors.push(await runCase(pulumiBinary, "floor", count, 0, FLOOR_STEPS));
      for (const latencyMs of latencies) {
        process.stderr.write(
          `[bench] N=${count}, round ${round} of ${repeat}: tokens, latency ${latencyMs} ms\n`,
        );
        tokens.get(latencyMs)?.push(await runCase(pulumiBinary, "tokens", count, latencyMs, TOKEN_STEPS));
        if (!pluginSizes.includes(count)) continue;
        process.stderr.write(
          `[bench] N=${count}, round ${round} of ${repeat}: plugin tokens, latency ${latencyMs} ms\n`,
        );
        plugin.get(latencyMs)?.push(await runCase(pulumiBinary, "plugin", count, latencyMs, TOKEN_STEPS));
      }
    }
    const floor = combine(floors);
    for (const latencyMs of latencies) {
      const pluginRuns = plugin.get(latencyMs) ?? [];
      const result = {
        count,
        latencyMs,
        floor,
        tokens: combine(tokens.get(latencyMs) ?? []),
        ...(pluginRuns.length > 0 ? { plugin: combine(pluginRuns) } : {}),
      };
      results.push(result);
      const ratios = (run: string) => [ratio(result, run), ratio(result, run, "plugin")];
      const summary = COMPARED.map((run) => [run, ...ratios(run).map((r) => (r ?? Number.NaN).toFixed(2))]);
      const header = ["run", "ours / floor", "plugin / floor"];
      process.stdout.write(
        `\nN=${count}, latency ${latencyMs} ms\n${formatTable([header, ...summary], { alignRight: [1, 2] })}\n`,
      );
    }
  }

  const profileSize = Number(values["profile-size"]);
  let profiled: Pick<CaseResult, "floor" | "tokens"> | undefined;
  if (Number.isInteger(profileSize) && profileSize > 0) {
    process.stderr.write(`[bench] N=${profileSize}: floor and tokens under the CPU profiler\n`);
    const dir = mkdtempSync(path.join(os.tmpdir(), "utho-bench-profile-"));
    try {
      profiled = {
        floor: await runCase(pulumiBinary, "floor", profileSize, 0, FLOOR_STEPS, dir),
        tokens: await runCase(pulumiBinary, "tokens", profileSize, 0, TOKEN_STEPS, dir),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const chart = path.join(path.dirname(values.out), "ratios.svg");
  writeFileSync(chart, ratioChart(results));
  const analysisFile = path.join(REPO_ROOT, "bench/analysis.md");
  const analysis = existsSync(analysisFile) ? readFileSync(analysisFile, "utf8").trim() : "";
  const page = [
    "# Bench results",
    "",
    "Written by `npm run bench` (bench/run.ts); the analysis at the end is bench/analysis.md, written by hand.",
    "",
    ...header,
    "",
    "## Wall time: ours over the engine floor",
    "",
    `![ours / floor against N](${path.basename(chart)})`,
    "",
    timeTable(results),
    "",
    ...(results.some((r) => r.plugin)
      ? [
          "## The plugin beside the dynamic provider",
          "",
          "The same program with the `utho` provider plugin's `ApiToken` (bench/programs/plugin, `utho-pulumi-tokens/plugin`): no serialized closure in the state, a provider process of its own.",
          "",
          pluginTable(results),
          "",
        ]
      : []),
    "## Requests (ours), counted by the emulator",
    "",
    requestTable(results),
    "",
    "## Peak memory of the provider host",
    "",
    memoryTable(results),
    "",
    "## CPU time by process",
    "",
    "Sampled from /proc during each run: the Pulumi CLI (engine), the Node.js program (the language host's child) and the dynamic-provider host.",
    "",
    cpuTable(results),
    "",
    ...(profiled
      ? [
          `## Where the extra CPU time goes, N = ${profileSize} (V8 CPU profile)`,
          "",
          "One more untimed round with every Node.js process of the CLI under `node --cpu-prof` (bench/profile.ts): self time of the sampled code, summed by the package it belongs to (idle time left out), for the categories where ours spends the most over the floor.",
          "",
          profileTable(profiled),
          "",
        ]
      : []),
    ...(analysis ? [analysis, ""] : []),
  ].join("\n");
  writeFileSync(values.out, page);
  process.stdout.write(
    `\nWrote ${path.relative(process.cwd(), values.out)} and ${path.relative(process.cwd(), chart)}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
