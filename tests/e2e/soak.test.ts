/**
 * The fault soak through the real CLI (`tests/support/soak.ts`): a short version here, the long
 * one with `npm run soak` (UTHO_SOAK=full), which prints the figures bench/results.md quotes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FAULT_KINDS } from "../../emulator";
import { provisionPulumi, REPO_ROOT } from "../../scripts/engine";
import { formatSoak, runSoak } from "../support/soak";

const full = process.env.UTHO_SOAK === "full";
const shape = full ? { tokens: 50, cycles: 3 } : { tokens: 12, cycles: 1 };
const seed = Number(process.env.UTHO_SOAK_SEED ?? 20261202);
jest.setTimeout(full ? 3 * 60 * 60_000 : 15 * 60_000);

it(`${shape.tokens} tokens, ${shape.cycles} cycle(s) of up, replace and destroy under 20 % faults of every kind: each phase converges within 2 runs, with no orphan and nothing lost`, async () => {
  const figures = await runSoak({
    pulumiBinary: provisionPulumi(),
    ...shape,
    faultRate: 0.2,
    seed,
    maxRuns: 3,
    log: (line) => process.stdout.write(`soak: ${line}\n`),
  });
  const report = formatSoak(figures);
  process.stdout.write(`\n${report}\n`);
  const out = path.join(REPO_ROOT, ".e2e");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `soak-${full ? "full" : "short"}.md`), `${report}\n`);

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
});
