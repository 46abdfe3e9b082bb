/**
 * Never an orphan, at twelve seeded crash points (UTHO_CRASH_POINTS, UTHO_CRASH_SEED): three of
 * each kind (`tests/support/crash.ts`). Each line it prints is one point's figures.
 */
import { crashAndRecover, killPoints } from "../support/crash";
import { useProjects } from "../support/e2e";

const openProject = useProjects();
jest.setTimeout(300_000);

const POINTS = Number(process.env.UTHO_CRASH_POINTS ?? 12);
const SEED = Number(process.env.UTHO_CRASH_SEED ?? 81);

describe.each(killPoints(POINTS, SEED))(
  "$run killed after $after $method requests, --parallel $parallel",
  (point) => {
    it("is recovered with no orphan, and the next run converges", () => crashAndRecover(openProject, point));
  },
);
