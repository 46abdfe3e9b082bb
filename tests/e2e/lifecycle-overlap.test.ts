/**
 * Through the real CLI, on the provider's clock set through UTHO_TOKENS_NOW: with `overlap` a
 * rotation is an update that keeps the old token valid until `previousRevokeAt`, and a failed
 * revocation of it stays in the state for the next run.
 */
import { useProjects } from "../support/e2e";

const openProject = useProjects();
const UP = ["up", "--yes", "--skip-preview"];

it("overlap: a rotation updates the resource in place and the old token works until previousRevokeAt; a failed revocation of it is retried by the next run", async () => {
  const p = await openProject("tests/e2e/programs/token");
  await p.setConfig("overlap", "7d");
  await p.setConfig("rotation", "r1");
  await p.pulumi(UP);
  const { id, tokenId } = await p.outputs();
  const first = await p.secretOutput("token");
  expect(tokenId).toBe(id);

  // The manual trigger honours the overlap: an update, not a replacement.
  await p.setConfig("rotation", "r2");
  const preview = await p.pulumi(["preview", "--diff"]);
  expect(preview.stdout).toMatch(/~ pulumi-nodejs:dynamic\/utho:ApiToken: \(update\)/);
  expect(preview.stdout).not.toContain("(replace)");
  await p.pulumi(UP);
  const second = await p.secretOutput("token");
  const rotated = await p.outputs();
  const current = rotated.tokenId;
  expect(rotated.id).toBe(id);
  expect(current).not.toBe(id);
  expect(rotated.previousTokenId).toBe(id);
  expect(await p.secretOutput("previousToken")).toBe(first);
  // Both work: a consumer that has not picked up the new secret yet keeps working.
  expect(p.emulator.tokenIdOf(first)).toBe(id);
  expect(p.emulator.tokenIdOf(second)).toBe(current);
  expect(rotated.previousToken).toBe("[secret]");
  const state = await p.exportState();
  for (const secret of [first, second]) expect(state).not.toContain(secret);

  const { previousRevokeAt: revokeAt, rotatedAt } = rotated;
  expect(Date.parse(revokeAt) - Date.parse(rotatedAt)).toBe(7 * 86_400_000);
  const justBefore = { UTHO_TOKENS_NOW: new Date(Date.parse(revokeAt) - 1000).toISOString() };
  const ended = { UTHO_TOKENS_NOW: revokeAt };
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: justBefore });

  // At the end of the overlap the revocation fails: the run fails and the state keeps the token.
  p.emulator.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
  await p.pulumi(UP, { env: ended, expectFailure: true });
  expect((await p.outputs()).previousTokenId).toBe(id);
  expect(p.emulator.tokenIdOf(first)).toBe(id);
  p.emulator.clearFaults();
  await p.pulumi(UP, { env: ended });
  expect(p.emulator.tokenIdOf(first)).toBeUndefined();
  expect(p.emulator.listTokens().map((t) => t.id)).toEqual([current]);
  expect((await p.outputs()).previousTokenId).toBeUndefined();
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: ended });
  await p.pulumi(["destroy", "--yes", "--skip-preview"], { env: ended });
  expect(p.emulator.listTokens()).toEqual([]);
});
