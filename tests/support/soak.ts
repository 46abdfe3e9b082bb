/**
 * The fault soak: cycles of `up`, replace every token (a scope flip) and `destroy` of a stack
 * of auto-named tokens through the real CLI, with the emulator failing a share of requests with
 * every fault kind, "slow" against a short client timeout (and one of each kind for sure on the
 * first POSTs). Each phase runs until it succeeds
 * (the goal is one run, two at most are allowed); after every run, a checkpoint counts orphans
 * and tokens lost from the state. `npm run soak` runs the long version, the e2e project a short one.
 */
import { FAULT_KINDS, type FaultKind } from "../../emulator";
import { type Checkpoint, checkpoint, seededRandom } from "./checkpoint";
import { type E2EProject, type OpenOptions, openProject } from "./project";

export interface SoakOptions {
  pulumiBinary: string;
  tokens: number;
  cycles: number;
  faultRate: number;
  seed: number;
  /** The provider's own settle window (7.75 s), not the e2e harness's 500 ms. */
  productionWindow: boolean;
  /** Runs a phase may take before the soak gives up on it. */
  maxRuns: number;
  /** Progress, a line at a time. */
  log: (line: string) => void;
}

export type PhaseName = "up" | "replace" | "destroy";

export interface PhaseFigures {
  cycle: number;
  phase: PhaseName;
  runs: number;
  converged: boolean;
  /** The first error line of each failed run. */
  failures: string[];
  /** Worst figures over the checkpoints of the phase (one after every run). */
  orphans: number;
  lost: number;
  shared: number;
  seconds: number;
}

export interface SoakFigures {
  tokens: number;
  cycles: number;
  faultRate: number;
  seed: number;
  phases: PhaseFigures[];
  requests: number;
  faults: Record<FaultKind, number>;
  seconds: number;
}

// A "slow" answer takes 5 s, and the provider gives each attempt 2.5 s (room enough for a
// loaded 2-core CI machine, where the emulator shares jest's process).
const SLOW_MS = 5_000;
const CLIENT_TIMEOUT_MS = "2500";

/** The reason a run failed: the first of Pulumi's `error:` diagnostics that says more than "update failed". */
function firstError(output: string): string {
  const errors = output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("error:") && !/^error: update failed$/.test(line));
  return (errors[0] ?? "(no error line)").slice(0, 300);
}

/** Whether the state holds what the phase asks for: `tokens` tokens of the wanted scopes, or none. */
function converged(point: Checkpoint, phase: PhaseName, tokens: number): boolean {
  if (phase === "destroy") return point.held.length === 0;
  const flipped = phase === "replace";
  if (point.held.length !== tokens) return false;
  return point.held.every((h) => {
    const index = Number(/token-(\d+)$/.exec(h.urn)?.[1]);
    return h.scope === ((index % 2 === 0) !== flipped ? "read" : "write");
  });
}

async function runPhase(
  project: E2EProject,
  options: SoakOptions,
  cycle: number,
  phase: PhaseName,
): Promise<PhaseFigures> {
  const started = Date.now();
  const figures: PhaseFigures = {
    cycle,
    phase,
    runs: 0,
    converged: false,
    failures: [],
    orphans: 0,
    lost: 0,
    shared: 0,
    seconds: 0,
  };
  if (phase !== "destroy") await project.setConfig("flip", String(phase === "replace"));
  const args =
    phase === "destroy" ? ["destroy", "--yes", "--skip-preview"] : ["up", "--yes", "--skip-preview"];
  while (!figures.converged && figures.runs < options.maxRuns) {
    figures.runs += 1;
    const result = await project.pulumi(args, { allowFailure: true });
    const point = await checkpoint(project.emulator, [project]);
    figures.orphans = Math.max(figures.orphans, point.orphans.length);
    figures.lost = Math.max(figures.lost, point.lost.length);
    figures.shared = Math.max(figures.shared, point.shared.length);
    if (result.code !== 0) figures.failures.push(firstError(`${result.stdout}\n${result.stderr}`));
    figures.converged = result.code === 0 && converged(point, phase, options.tokens);
    options.log(
      `cycle ${cycle} ${phase} run ${figures.runs}: exit ${result.code}, ${point.held.length} held, ` +
        `${point.live.length} live, ${point.orphans.length} orphans, ${point.lost.length} lost` +
        (result.code === 0 ? "" : `: ${figures.failures.at(-1)}`),
    );
  }
  figures.seconds = Math.round((Date.now() - started) / 1000);
  return figures;
}

export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const started = Date.now();
  const open: OpenOptions = {
    emulator: {
      faultRate: options.faultRate,
      faults: [...FAULT_KINDS],
      slowMs: SLOW_MS,
      random: seededRandom(options.seed),
    },
    env: {
      UTHO_TIMEOUT_MS: CLIENT_TIMEOUT_MS,
      ...(options.productionWindow ? { UTHO_SETTLE_WINDOW: "" } : {}),
    },
  };
  const project = await openProject("tests/e2e/programs/many", options.pulumiBinary, open);
  try {
    await project.setConfig("count", String(options.tokens));
    // Besides the random draw, one fault of every kind for sure: each kind on one of the first
    // POSTs (the requests where a fault is most dangerous), stale-list on a listing.
    for (const kind of FAULT_KINDS) {
      project.emulator.injectFault(
        kind === "stale-list" ? { kind, method: "GET" } : { kind, method: "POST" },
      );
    }
    const phases: PhaseFigures[] = [];
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      for (const phase of ["up", "replace", "destroy"] as const) {
        phases.push(await runPhase(project, options, cycle, phase));
      }
    }
    const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
    for (const request of project.emulator.requests) if (request.fault) faults[request.fault] += 1;
    return {
      tokens: options.tokens,
      cycles: options.cycles,
      faultRate: options.faultRate,
      seed: options.seed,
      phases,
      requests: project.emulator.requests.length,
      faults,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await project.close();
  }
}

/** The figures as bench/results.md quotes them. */
export function formatSoak(figures: SoakFigures): string {
  const rows = figures.phases.map(
    (p) =>
      `| ${p.cycle} | ${p.phase} | ${p.runs} | ${p.converged ? "yes" : "**no**"} | ${p.orphans} | ${p.lost} | ${p.seconds} s |`,
  );
  const faults = Object.entries(figures.faults)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(", ");
  const failures = figures.phases.flatMap((p) =>
    p.failures.map((f) => `- cycle ${p.cycle} ${p.phase}: ${f}`),
  );
  return [
    `Soak: ${figures.tokens} tokens, ${figures.cycles} cycles, fault rate ${figures.faultRate}, seed ${figures.seed}, ${figures.seconds} s`,
    "",
    "| cycle | phase | runs | converged | orphans | lost | time |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `Requests: ${figures.requests}; faults: ${faults} (${Object.values(figures.faults).reduce((a, b) => a + b, 0)} in all)`,
    ...(failures.length > 0 ? ["", "Failed runs:", ...failures] : []),
  ].join("\n");
}
