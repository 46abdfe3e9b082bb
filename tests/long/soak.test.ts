/**
 * The full fault soak through the real CLI (`tests/support/soak.ts`): 50 tokens, three cycles.
 * It prints the figures bench/results.md quotes and writes them to .e2e/soak-full.md.
 */
import { type SoakShape, soakConverges, soakTitle } from "../support/soak-check";

// The production settle window: the full soak measures what users run.
const shape: SoakShape = { name: "full", tokens: 50, cycles: 3, productionWindow: true };
jest.setTimeout(3 * 60 * 60_000);

it(soakTitle(shape), () => soakConverges(shape));
