/** Bringing a hand-made token under management through the real engine, and retaining it. */
import { useProjects } from "../support/e2e";

const openProject = useProjects();

async function adoptHandMade(retain: boolean) {
  const p = await openProject("tests/e2e/programs/adopt");
  const handMade = p.emulator.createTokenOutOfBand("hand-made", "write");
  await p.setConfig("name", "hand-made");
  await p.setConfig("scope", "write");
  await p.setConfig("adoptId", handMade.id);
  await p.setConfig("adoptSecret", handMade.secret, { secret: true });
  await p.setConfig("retain", String(retain));
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  return { p, handMade };
}

it("adopts by id without minting; the supplied secret becomes the secret output; destroy revokes it", async () => {
  const { p, handMade } = await adoptHandMade(false);
  expect(p.emulator.countRequests("POST")).toBe(0);
  expect((await p.pulumi(["stack", "output", "id"])).stdout.trim()).toBe(handMade.id);
  expect(await p.secretOutput("token")).toBe(handMade.secret);
  await p.pulumi(["preview", "--expect-no-changes"]);

  const state = await p.exportState();
  expect([state, ...p.transcript].join("\n")).not.toContain(handMade.secret);

  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens()).toEqual([]);
});

it("with retainOnDelete, destroy leaves the adopted token in Utho", async () => {
  const { p, handMade } = await adoptHandMade(true);
  await p.pulumi(["destroy", "--yes"]);
  expect(p.emulator.listTokens().map((t) => t.id)).toEqual([handMade.id]);
});
