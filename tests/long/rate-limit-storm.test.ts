/**
 * A 429 storm: every request the provider makes is rate limited for 20 s (Utho answering 429
 * with Retry-After: 1). The run slows down and goes on, and mints each token exactly once.
 */
import { checkpoint } from "../support/checkpoint";
import { useProjects } from "../support/e2e";

const openProject = useProjects();
jest.setTimeout(300_000);

const N = 6;
const STORM_MS = 20_000;

it("a 20 s storm of 429s on every request slows an up but neither fails it nor duplicates a token", async () => {
  const p = await openProject("tests/e2e/programs/many", { emulator: { retryAfterSeconds: 1 } });
  await p.setConfig("count", String(N));
  p.emulator.injectFault({ kind: "429", times: Number.POSITIVE_INFINITY });
  const started = Date.now();
  const storm = setTimeout(() => p.emulator.clearFaults(), STORM_MS);
  try {
    const run = await p.pulumi(["up", "--yes", "--skip-preview"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(STORM_MS);
    expect(`${run.stdout}\n${run.stderr}`).toMatch(
      /failed with HTTP 429: Too Many Requests; retrying in 1\.0 s, as Utho's Retry-After asks \(rate limited for \d+\.\d s of at most 120\.0 s\)/,
    );
  } finally {
    clearTimeout(storm);
  }
  const limited = p.emulator.requests.filter((r) => r.status === 429).length;
  expect(limited).toBeGreaterThan(N);
  // Each POST that got through minted one token, and each is in the state with its own secret.
  expect(p.emulator.requests.filter((r) => r.method === "POST" && r.status === 200)).toHaveLength(N);
  const point = await checkpoint(p.emulator, [p]);
  expect({
    orphans: point.orphans,
    lost: point.lost,
    held: point.held.length,
    live: point.live.length,
  }).toEqual({
    orphans: [],
    lost: [],
    held: N,
    live: N,
  });
  await p.pulumi(["up", "--yes", "--expect-no-changes"]);
});
