/**
 * Cross-stack safety: two stacks in one account (each its own project directory and backend, as
 * two teams' pipelines) declare the same explicit token names and run `up` at the same moment,
 * under faults, with their first listings held until both have asked (so both mint the same
 * names with the same knowledge of the account). Which of two same-named new tokens is whose cannot always be told; then the
 * provider must fail naming the ids, never guess: no run revokes a token a state holds, no
 * resource gets another's id or secret, and every token left without a state was named in a
 * failed run's output, for `utho-tokens audit` to list and a person to revoke. After that, the
 * stacks run one after the other and converge.
 */
import { FAULT_KINDS, type RunningEmulator, startEmulator } from "../../emulator";
import type { PulumiResult } from "../../scripts/engine";
import { checkpoint, seededRandom } from "../support/checkpoint";
import { type E2EProject, useProjects } from "../support/e2e";
import { startForwardingProxy } from "../support/proxy";

const openProject = useProjects();
jest.setTimeout(600_000);

const N = 6;
const UP = ["up", "--yes", "--skip-preview"];

let emulator: RunningEmulator;
let gate: ListingGate;
/** While false, the random draw never strikes (a draw of 1 is never below the rate). */
let faulty = true;
beforeEach(async () => {
  faulty = true;
  const draw = seededRandom(7);
  emulator = await startEmulator({
    faultRate: 0.2,
    faults: FAULT_KINDS.filter((kind) => kind !== "slow"),
    random: () => (faulty ? draw() : 1),
  });
  gate = await startListingGate(emulator.baseUrl, 2);
});
afterEach(async () => {
  await gate.close();
  await emulator.close();
});

interface ListingGate {
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of the emulator that holds the first `parties` token listings
 * until all of them have arrived: both stacks then learn the account's tokens at the same moment
 * and mint the same names right after, the case no provider can settle alone. A failure of the
 * emulator (a dropped connection) is passed on as one.
 */
async function startListingGate(target: string, parties: number): Promise<ListingGate> {
  const held: (() => void)[] = [];
  return startForwardingProxy(target, async ({ method, path }) => {
    if (method !== "GET" || path !== "api" || held.length >= parties) return;
    await new Promise<void>((resolve) => {
      held.push(resolve);
      if (held.length === parties) for (const release of held) release();
    });
  });
}

async function stackOf(): Promise<E2EProject> {
  const p = await openProject("tests/e2e/programs/named", {
    sharedEmulator: emulator,
    // The production settle window, as the two pipelines of a team run it.
    env: { UTHO_BASE_URL: gate.baseUrl, UTHO_SETTLE_WINDOW: "" },
  });
  await p.setConfig("count", String(N));
  return p;
}

it("two stacks with the same explicit names, run together under faults, never take or revoke each other's tokens", async () => {
  const stacks = [await stackOf(), await stackOf()];
  const runs: PulumiResult[] = await Promise.all(stacks.map((p) => p.pulumi(UP, { allowFailure: true })));
  const failures = runs.filter((r) => r.code !== 0).map((r) => `${r.stdout}\n${r.stderr}`);

  const together = await checkpoint(emulator, stacks);
  process.stdout.write(
    `cross-stack: ${failures.length} of 2 runs failed, ${together.held.length} tokens held, ` +
      `${together.orphans.length} left for audit (${together.orphans.join(", ") || "none"}), ` +
      `${emulator.requests.filter((r) => r.fault).length} faults\n`,
  );
  // No resource holds another's id, and every secret in a state is the live token of its id.
  expect(together.shared).toEqual([]);
  expect(together.lost).toEqual([]);
  // A token no state holds was named in a failed run's output, as left alone for a person.
  const named = failures.join("\n");
  for (const id of together.orphans) expect(named).toMatch(new RegExp(`\\b${id}\\b`));

  // `utho-tokens audit` over each stack lists them as unmanaged.
  for (const p of stacks) {
    const report = JSON.parse((await p.uthoTokens(["audit", "--json"])).stdout) as {
      tokens: { id: string; managedBy: unknown[] }[];
    };
    const unmanaged = report.tokens.filter((t) => t.managedBy.length === 0).map((t) => t.id);
    const heldElsewhere = together.held.map((h) => h.id);
    expect(unmanaged.filter((id) => !heldElsewhere.includes(id)).sort()).toEqual(
      [...together.orphans].sort(),
    );
  }

  // A person revokes what audit named, and the stacks run again, one after the other. Faults
  // end here: an explicitly named create whose POST is lost leaves a token for a person by
  // design, which is what the first half showed.
  for (const id of together.orphans) emulator.deleteTokenOutOfBand(id);
  faulty = false;
  for (const p of stacks) {
    if ((await p.pulumi(UP, { allowFailure: true })).code !== 0) await p.pulumi(UP);
  }
  const after = await checkpoint(emulator, stacks);
  expect({ orphans: after.orphans, lost: after.lost, shared: after.shared }).toEqual({
    orphans: [],
    lost: [],
    shared: [],
  });
  expect(after.held).toHaveLength(2 * N);
  expect(after.live).toHaveLength(2 * N);
  for (const p of stacks) await p.pulumi(["destroy", "--yes", "--skip-preview"], { allowFailure: true });
});
