/**
 * `utho:settleWindow` through the real CLI: the stack config reaches the provider's
 * `configure()`, a malformed value fails the preview naming the setting and the rule, and a
 * valid one sets the window the provider waits out (here: how long a new secret may be refused).
 */
import { useProjects } from "../support/e2e";

const openProject = useProjects();
jest.setTimeout(300_000);

it("utho:settleWindow is refused at preview when malformed, and sets the window when valid", async () => {
  // Every new secret refused for an hour: verification gives up after one settle window.
  const p = await openProject("tests/e2e/programs/token", { emulator: { propagationMs: 3_600_000 } });
  await p.setConfig("scope", "read");

  await p.setConfig("utho:settleWindow", "7.75");
  const preview = await p.pulumi(["preview"], { expectFailure: true });
  expect(`${preview.stdout}\n${preview.stderr}`).toContain('utho:settleWindow: "7.75" is not a duration');
  expect(p.emulator.countRequests()).toBe(0);

  await p.setConfig("utho:settleWindow", "300ms");
  const up = await p.pulumi(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(`${up.stdout}\n${up.stderr}`).toMatch(
    /its secret did not authenticate within 0\.3 s .*so it was revoked/,
  );
  expect(p.emulator.listTokens()).toEqual([]);
});
