/**
 * What one stack of N tokens costs in requests, counted by the emulator, through the real CLI
 * with its default parallelism. Counts, never times: each bound follows from how the provider
 * shares listings (see provider/listings.ts).
 */
import type { RunningEmulator } from "../../emulator";
import { type E2EProject, useProjects } from "../support/e2e";

const openProject = useProjects();
jest.setTimeout(600_000);

const N = 50;
/** `pulumi up --help` on our CLI: "(default 8)". Each listing can identify at most that many creates. */
const DEFAULT_PARALLELISM = 8;

function counts(emulator: RunningEmulator) {
  return {
    post: emulator.countRequests("POST"),
    delete: emulator.countRequests("DELETE"),
    listings: emulator.countRequests("GET", "/v2/api"),
    accountInfo: emulator.countRequests("GET", "/v2/account/info"),
  };
}

/** The requests one CLI run makes. */
async function measure(p: E2EProject, args: string[]) {
  p.emulator.resetRequests();
  await p.pulumi(args);
  return counts(p.emulator);
}

/**
 * One listing per wave of P creates, plus the first, when a wave's creates come within a
 * gather of each other; under load the engine's steps can come further apart, and a wave may
 * split in two (provider/listings.ts; tests/provider/listings.test.ts proves the bounds on a
 * fake clock). Far from one listing per create, which is what this guards against.
 */
const waveBound = (creates: number, parallelism: number) => 2 * Math.ceil(creates / parallelism) + 1;

it(`${N} tokens: up, a no-op up, refresh, refresh after deletions, destroy`, async () => {
  const p = await openProject("tests/e2e/programs/many");
  await p.setConfig("count", String(N));
  const run = (args: string[]) => measure(p, args);

  const up = await run(["up", "--yes"]);
  expect(up.post).toBe(N);
  expect(up.delete).toBe(0);
  expect(up.listings).toBeLessThanOrEqual(waveBound(N, DEFAULT_PARALLELISM));
  // The provider's own account lookup, and each new secret's verification.
  expect(up.accountInfo).toBe(1 + N);
  expect(p.emulator.listTokens()).toHaveLength(N);

  expect(await run(["up", "--yes", "--expect-no-changes"])).toEqual({
    post: 0,
    delete: 0,
    listings: 0,
    accountInfo: 0,
  });

  // Without --skip-preview, `refresh --yes` reads every token twice, in two provider processes:
  // once to preview, once to refresh (docs/design.md says so).
  const refresh = await run(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
  // One listing answers every token; a token the key lists needs no account check.
  expect(refresh).toEqual({ post: 0, delete: 0, listings: 1, accountInfo: 0 });

  const deleted = p.emulator.listTokens().filter((_, i) => i % 10 === 3);
  for (const token of deleted) p.emulator.deleteTokenOutOfBand(token.id);
  const refreshAfterDeletes = await run(["refresh", "--yes", "--skip-preview"]);
  // The first listing, then one a settle window later, shared by every missing token: at most two.
  expect(refreshAfterDeletes).toMatchObject({ post: 0, delete: 0, accountInfo: 1 });
  expect(refreshAfterDeletes.listings).toBeLessThanOrEqual(2);

  const recreate = await run(["up", "--yes"]);
  expect(recreate.post).toBe(deleted.length);
  expect(p.emulator.listTokens()).toHaveLength(N);

  const destroy = await run(["destroy", "--yes"]);
  expect(destroy).toEqual({ post: 0, delete: N, listings: 0, accountInfo: 1 });
  expect(p.emulator.listTokens()).toEqual([]);

  // With 16 operations in flight, each shared lookup identifies up to 16 creates.
  const wide = await run(["up", "--yes", "--parallel", "16"]);
  expect(wide.post).toBe(N);
  expect(wide.listings).toBeLessThanOrEqual(waveBound(N, 16));
});

/** The plugin serves every token of a stack from one process, as the dynamic provider's host does. */
const PLUGIN_N = 20;

it(`the utho plugin keeps the same bounds: up of ${PLUGIN_N} tokens, a no-op up, refresh, destroy`, async () => {
  const p = await openProject("tests/e2e/programs/plugin");
  await p.setConfig("count", String(PLUGIN_N));

  const up = await measure(p, ["up", "--yes"]);
  expect(up.post).toBe(PLUGIN_N);
  expect(up.delete).toBe(0);
  expect(up.listings).toBeLessThanOrEqual(waveBound(PLUGIN_N, DEFAULT_PARALLELISM));
  expect(up.accountInfo).toBe(1 + PLUGIN_N);

  expect(await measure(p, ["up", "--yes", "--expect-no-changes"])).toEqual({
    post: 0,
    delete: 0,
    listings: 0,
    accountInfo: 0,
  });
  expect(await measure(p, ["refresh", "--yes", "--skip-preview", "--expect-no-changes"])).toEqual({
    post: 0,
    delete: 0,
    listings: 1,
    accountInfo: 0,
  });
  expect(await measure(p, ["destroy", "--yes"])).toEqual({
    post: 0,
    delete: PLUGIN_N,
    listings: 0,
    accountInfo: 1,
  });
  expect(p.emulator.listTokens()).toEqual([]);
});
