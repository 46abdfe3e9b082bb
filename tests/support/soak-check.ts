/**
 * The soak (`soak.ts`) as a jest test: each phase converges within 2 runs with no orphan and
 * nothing lost, and every fault kind struck. The e2e project runs a short shape, tests/long
 * (`npm run soak`) the full one, which writes the figures bench/results.md quotes to .e2e/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FAULT_KINDS } from "../../emulator";
import { provisionPulumi, REPO_ROOT } from "../../scripts/engine";
import { formatSoak, runSoak } from "./soak";

export interface SoakShape {
  name: "short" | "full";
  tokens: number;
  cycles: number;
  /** The provider's own settle window; else the e2e harness's 500 ms. */
  productionWindow: boolean;
}

export const soakTitle = (shape: SoakShape): string =>
  `${shape.tokens} tokens, ${shape.cycles} cycle(s) of up, replace and destroy under 20 % faults of every kind: each phase converges within 2 runs, with no orphan and nothing lost`;

export async function soakConverges(shape: SoakShape): Promise<void> {
  const figures = await runSoak({
    pulumiBinary: provisionPulumi(),
    tokens: shape.tokens,
    cycles: shape.cycles,
    productionWindow: shape.productionWindow,
    faultRate: 0.2,
    seed: Number(process.env.UTHO_SOAK_SEED ?? 20261202),
    maxRuns: 3,
    log: (line) => process.stdout.write(`soak: ${line}\n`),
  });
  const report = formatSoak(figures);
  process.stdout.write(`\n${report}\n`);
  const out = path.join(REPO_ROOT, ".e2e");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `soak-${shape.name}.md`), `${report}\n`);

  for (const phase of figures.phases) {
    expect({ ...phase, failures: undefined, seconds: undefined }).toEqual({
      cycle: phase.cycle,
      phase: phase.phase,
      runs: expect.any(Number),
      converged: true,
      failures: undefined,
      orphans: 0,
      lost: 0,
      shared: 0,
      seconds: undefined,
    });
    expect(phase.runs).toBeLessThanOrEqual(2);
  }
  // Every kind struck, the one only listings get included.
  expect(FAULT_KINDS.filter((kind) => figures.faults[kind] > 0)).toEqual([...FAULT_KINDS]);
}
