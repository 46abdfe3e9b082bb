/**
 * The fault soak through the real CLI (`tests/support/soak.ts`), short: 12 tokens, one cycle.
 * The full one (50 tokens, three cycles) is in tests/long (`npm run soak`).
 */
import { type SoakShape, soakConverges, soakTitle } from "../support/soak-check";

const shape: SoakShape = { name: "short", tokens: 12, cycles: 1 };
jest.setTimeout(15 * 60_000);

it(soakTitle(shape), () => soakConverges(shape));
