/**
 * The fault soak through the real CLI (`tests/support/soak.ts`), short: 12 tokens, one cycle.
 * The full one (50 tokens, three cycles) is in tests/long (`npm run soak`).
 */
import { type SoakShape, soakConverges, soakTitle } from "../support/soak-check";

// The harness's short settle window: the emulator's list lags only by count (stale-list), never by time.
const shape: SoakShape = { name: "short", tokens: 12, cycles: 1, productionWindow: false };
jest.setTimeout(15 * 60_000);

it(soakTitle(shape), () => soakConverges(shape));
