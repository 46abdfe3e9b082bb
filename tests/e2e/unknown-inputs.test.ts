/**
 * Inputs as programs write them, through the real CLI: a preview of a new stack whose inputs
 * come from another resource's outputs (unknown yet) succeeds, shows no auto-name the `up` would
 * not mint, and `preview --save-plan` then `up --plan` carries the plan out (the auto-name,
 * unknown in the plan, is drawn by the `up`; see provider/naming.ts).
 */
import { useProjects } from "../support/e2e";

const openProject = useProjects();

it("previews unknown inputs, then up --plan mints the planned tokens with 64-bit auto-names", async () => {
  const p = await openProject("tests/e2e/programs/unknown-inputs");
  const preview = await p.pulumi(["preview", "--save-plan", "plan.json"]);
  const shown = `${preview.stdout}\n${preview.stderr}`;
  expect(shown).toContain("+ 3 to create");
  // No name is shown that the `up` would then not mint: the new tokens' names are unknown.
  expect(shown).toMatch(/sourceName: \[unknown\]/);
  expect(shown).not.toMatch(/(source|later)-[0-9a-f]{8}/);
  const writes = () => p.emulator.requests.filter((r) => r.method === "POST" || r.method === "DELETE");
  expect(writes()).toEqual([]);

  await p.pulumi(["up", "--plan", "plan.json", "--yes"]);
  const names = p.emulator
    .listTokens()
    .map((t) => t.name)
    .sort();
  expect(names).toEqual([
    expect.stringMatching(/^later-[0-9a-f]{16}$/),
    expect.stringMatching(/^source-[0-9a-f]{16}$/),
  ]);
  expect((await p.pulumi(["stack", "output", "sourceName"])).stdout.trim()).toBe(names[1]);
  expect((await p.pulumi(["stack", "output", "laterName"])).stdout.trim()).toBe(names[0]);

  // A clock set by UTHO_TOKENS_NOW is said in every run; a malformed one stops the run before
  // any request.
  const before = writes().length;
  const dated = await p.pulumi(["preview"], { env: { UTHO_TOKENS_NOW: "2026-12-01T00:00:00Z" } });
  expect(`${dated.stdout}\n${dated.stderr}`).toContain(
    "UTHO_TOKENS_NOW is set: the provider's clock says 2026-12-01T00:00:00.000Z",
  );
  expect(writes().length).toBe(before);
  p.emulator.resetRequests();
  const malformed = await p.pulumi(["preview"], {
    env: { UTHO_TOKENS_NOW: "tomorrow" },
    expectFailure: true,
  });
  expect(`${malformed.stdout}\n${malformed.stderr}`).toContain(
    'UTHO_TOKENS_NOW: "tomorrow" is not an ISO 8601 instant with a time zone',
  );
  expect(p.emulator.countRequests()).toBe(0);
});
