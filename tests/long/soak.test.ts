/**
 * The full fault soak through the real CLI (`tests/support/soak.ts`): 50 tokens, three cycles.
 * It prints the figures bench/results.md quotes and writes them to .e2e/soak-full.md.
 */
import { type SoakShape, soakConverges, soakTitle } from "../support/soak-check";

const shape: SoakShape = { name: "full", tokens: 50, cycles: 3 };
jest.setTimeout(3 * 60 * 60_000);

it(soakTitle(shape), () => soakConverges(shape));
