/**
 * Through the real CLI: `keepers` mint a new token when they change (and not when only their
 * order does), the plain `fingerprint` output matches the secret, `verify` refuses a token Utho
 * never accepts within `utho:settleWindow` (revoked, the run fails), and `onMissing: "fail"`
 * stops a refresh that finds the token deleted outside Pulumi, while "recreate" brings it back
 * on the next `up`. The inputs due with time are lifecycle-schedule.test.ts's.
 */
import { createHash } from "node:crypto";
import { useProjects } from "../support/e2e";

const openProject = useProjects();
const UP = ["up", "--yes", "--skip-preview"];

it("keepers replace the token on a change of content, and the fingerprint output names the secret", async () => {
  const p = await openProject("tests/e2e/programs/token");
  await p.setConfig("keepers", JSON.stringify({ image: "v1", region: "in" }));
  await p.pulumi(UP);
  const { id: first, fingerprint } = await p.outputs();
  const secret = await p.secretOutput("token");
  expect(fingerprint).toBe(`sha256:${createHash("sha256").update(secret).digest("hex").slice(0, 16)}`);

  // The same map in another order is no change.
  await p.setConfig("keepers", JSON.stringify({ region: "in", image: "v1" }));
  await p.pulumi(["up", "--yes", "--expect-no-changes"]);

  await p.setConfig("keepers", JSON.stringify({ image: "v2", region: "in" }));
  const preview = await p.pulumi(["preview", "--diff"]);
  expect(preview.stdout).toMatch(/\+-pulumi-nodejs:dynamic\/utho:ApiToken: \(replace\)/);
  expect(preview.stdout).toMatch(/~ image : "v1" => "v2"/);
  await p.pulumi(UP);
  const outputs = await p.outputs();
  expect(outputs.id).not.toBe(first);
  expect(p.emulator.listTokens().map((t) => t.id)).toEqual([outputs.id]);
  expect(outputs.fingerprint).not.toBe(fingerprint);
  // The fingerprint is plain, the secret is not.
  expect(outputs.fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
  expect(outputs.token).toBe("[secret]");
});

it("verify revokes a token whose secret Utho never accepts within utho:settleWindow, and the run fails saying so", async () => {
  const p = await openProject("tests/e2e/programs/token", { emulator: { propagationMs: 3_600_000 } });
  // A malformed window is refused at preview, naming the setting and the rule, before any request.
  await p.setConfig("utho:settleWindow", "7.75");
  const refused = await p.pulumi(["preview"], { expectFailure: true });
  expect(`${refused.stdout}\n${refused.stderr}`).toContain('utho:settleWindow: "7.75" is not a duration');
  expect(p.emulator.countRequests()).toBe(0);
  // The stack's setting wins over UTHO_SETTLE_WINDOW, which the harness sets to 500ms.
  await p.setConfig("utho:settleWindow", "300ms");
  const failed = await p.pulumi(UP, { expectFailure: true });
  expect(`${failed.stdout}\n${failed.stderr}`).toMatch(
    /Token "token-[0-9a-f]{16}" \(id \d+\) was minted, but its secret did not authenticate within 0\.3 s .*so it was revoked/,
  );
  expect(p.emulator.listTokens()).toEqual([]);
  // verify: false takes the token as Utho answered.
  await p.setConfig("verify", "false");
  await p.pulumi(UP);
  expect(p.emulator.listTokens()).toHaveLength(1);
});

it('onMissing "fail" stops a refresh that finds the token gone; "recreate" brings it back', async () => {
  const p = await openProject("tests/e2e/programs/token");
  await p.setConfig("onMissing", "fail");
  await p.pulumi(UP);
  const { id, name } = await p.outputs();
  p.emulator.deleteTokenOutOfBand(id);
  const stopped = await p.pulumi(["refresh", "--yes", "--skip-preview"], { expectFailure: true });
  expect(`${stopped.stdout}\n${stopped.stderr}`).toContain(
    `Token ${id} ("${name}") was deleted outside Pulumi, and its onMissing is "fail".`,
  );

  await p.setConfig("onMissing", "recreate");
  // The setting changes in place first (nothing sent to Utho), then refresh drops the token
  // and the next up mints it again. The window is long enough for its wait to be said aloud
  // while it runs, naming what it waits for.
  await p.pulumi(UP);
  const refresh = await p.pulumi(["refresh", "--yes", "--skip-preview"], {
    env: { UTHO_SETTLE_WINDOW: "4s" },
  });
  expect(refresh.stdout).toMatch(/- .*token.*deleted/);
  expect(refresh.stdout).toMatch(
    new RegExp(
      `utho:ApiToken: waiting up to \\d+\\.\\d s more for Utho's token list to show token ${id}, which it no longer lists`,
    ),
  );
  await p.pulumi(UP);
  const again = p.emulator.listTokens();
  expect(again).toHaveLength(1);
  expect(again[0]?.id).not.toBe(id);
  expect((await p.outputs()).id).toBe(again[0]?.id);
});
