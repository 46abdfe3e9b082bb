/**
 * Through the real CLI, the inputs due with time, on the provider's clock set through
 * UTHO_TOKENS_NOW: `rotateAfter` rotates a token once due, and `expiresAt` revokes it at its
 * instant and keeps the resource until the program changes. `overlap` is lifecycle-overlap's.
 */
import { useProjects } from "../support/e2e";

const openProject = useProjects();
const UP = ["up", "--yes", "--skip-preview"];

it("rotateAfter: preview shows the rotation once due by the provider's clock (UTHO_TOKENS_NOW), and up performs it", async () => {
  const p = await openProject("tests/e2e/programs/token");
  await p.setConfig("rotateAfter", "90d");
  await p.pulumi(UP);
  const { id: first, rotationDueAt: dueAt } = await p.outputs();
  expect(Date.parse(dueAt) - Date.now()).toBeGreaterThan(89 * 86_400_000);
  const justBefore = { UTHO_TOKENS_NOW: new Date(Date.parse(dueAt) - 1000).toISOString() };
  const due = { UTHO_TOKENS_NOW: dueAt };

  // A second before, nothing to do, in preview and up alike.
  await p.pulumi(["preview", "--expect-no-changes"], { env: justBefore });
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: justBefore });

  // At the due instant, the preview and the up agree: one replacement, for rotateAfter.
  const preview = await p.pulumi(["preview", "--diff"], { env: due });
  expect(preview.stdout).toMatch(/\+-pulumi-nodejs:dynamic\/utho:ApiToken: \(replace\)/);
  await p.pulumi(UP, { env: due });
  const { id: second, rotationDueAt: next } = await p.outputs();
  expect(second).not.toBe(first);
  expect(p.emulator.listTokens().map((t) => t.id)).toEqual([second]);
  // The new token is due 90 days after its own creation.
  expect(Date.parse(next) - Date.now()).toBeGreaterThan(89 * 86_400_000);
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: due });
});

it("expiresAt: the first up at the instant revokes the token and keeps the resource; a later instant mints a fresh one", async () => {
  const p = await openProject("tests/e2e/programs/token");
  const instant = new Date(Date.now() + 86_400_000).toISOString();
  await p.setConfig("expiresAt", instant);
  await p.pulumi(UP);
  const { id: first } = await p.outputs();
  const at = { UTHO_TOKENS_NOW: instant };

  await p.pulumi(UP, { env: at });
  expect(p.emulator.listTokens()).toEqual([]);
  const outputs = JSON.parse(
    (await p.pulumi(["stack", "output", "--json", "--show-secrets"], { secret: true })).stdout,
  );
  expect(outputs).toMatchObject({ id: first, expired: true });
  expect(outputs.token).toBeUndefined();
  expect(outputs.fingerprint).toBeUndefined();
  // Expired, the resource stays: nothing to do, and a refresh does not drop it.
  await p.pulumi(["up", "--yes", "--expect-no-changes"], { env: at });
  await p.pulumi(["refresh", "--yes", "--skip-preview", "--expect-no-changes"], { env: at });

  await p.setConfig("expiresAt", new Date(Date.now() + 2 * 86_400_000).toISOString());
  await p.pulumi(UP, { env: at });
  const fresh = p.emulator.listTokens();
  expect(fresh).toHaveLength(1);
  expect(fresh[0]?.id).not.toBe(first);
  expect((await p.outputs()).id).toBe(fresh[0]?.id);
});
