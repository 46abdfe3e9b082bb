/**
 * examples/rotation, run as its README says through the real CLI, walks the README's timeline
 * with the provider's clock (UTHO_TOKENS_NOW): rotated in place when due, the old token valid
 * through the overlap, revoked at its end.
 */
import { useProjects } from "../support/e2e";
import { followReadme, UNDEFINED_OUTPUT } from "../support/readme";

const openProject = useProjects();

it("examples/rotation walks its README's timeline: rotated in place when due, the old token valid through the overlap", async () => {
  const p = await openProject("examples/rotation");
  const day = 86_400_000;
  const works = (secret: string) => p.emulator.tokenIdOf(secret) !== undefined;
  await followReadme(p, "rotation", { "<your Utho API key>": p.emulator.rootKey });
  const a = await p.secretOutput("deployerToken");
  // Outside an overlap the previous* outputs are null, not undefined (Pulumi warns of those).
  const first = await p.outputs();
  expect(first).toMatchObject({ previousToken: null, previousTokenId: null, previousRevokeAt: null });
  const dueAt = Date.parse(first.rotationDueAt ?? "");
  expect(dueAt - Date.parse(first.rotatedAt ?? "")).toBe(90 * day);
  const clock = (ms: number) => ({ UTHO_TOKENS_NOW: new Date(ms).toISOString() });

  // The day before it is due: nothing to do.
  await p.pulumi(["preview", "--expect-no-changes"], { env: clock(dueAt - day) });
  // Due: the preview shows an update (not a replacement) and the up carries it out.
  const preview = await p.pulumi(["preview", "--diff"], { env: clock(dueAt) });
  expect(preview.stdout).toMatch(/~ pulumi-nodejs:dynamic\/utho:ApiToken: \(update\)/);
  await p.pulumi(["up", "--yes", "--skip-preview"], { env: clock(dueAt) });
  const b = await p.secretOutput("deployerToken");
  expect(b).not.toBe(a);
  expect(await p.secretOutput("previousToken")).toBe(a);
  const second = await p.outputs();
  expect(Date.parse(second.previousRevokeAt ?? "")).toBe(dueAt + 7 * day);
  expect(Date.parse(second.rotationDueAt ?? "")).toBe(dueAt + 90 * day);
  expect([works(a), works(b)]).toEqual([true, true]);

  // Six days into the overlap: both still work, nothing to do.
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: clock(dueAt + 6 * day) });
  expect([works(a), works(b)]).toEqual([true, true]);
  // The overlap ends: a refresh only reads, and the next up revokes A.
  await p.pulumi(["refresh", "--yes"], { env: clock(dueAt + 7 * day) });
  expect([works(a), works(b)]).toEqual([true, true]);
  await p.pulumi(["up", "--yes", "--skip-preview"], { env: clock(dueAt + 7 * day) });
  expect([works(a), works(b)]).toEqual([false, true]);
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: clock(dueAt + 7 * day) });
  expect((await p.outputs()).previousTokenId).toBeNull();

  // 90 days after B: C, with B kept through its own overlap.
  await p.pulumi(["up", "--yes", "--skip-preview"], { env: clock(dueAt + 90 * day) });
  const c = await p.secretOutput("deployerToken");
  expect([works(a), works(b), works(c)]).toEqual([false, true, true]);
  expect(p.emulator.listTokens()).toHaveLength(2);
  await p.pulumi(["destroy", "--yes"], { env: clock(dueAt + 90 * day) });
  expect(p.emulator.listTokens()).toEqual([]);
  expect(p.transcript.join("\n")).not.toMatch(UNDEFINED_OUTPUT);
  // Some 20 CLI runs.
}, 300_000);
