/**
 * Through the real CLI: a preview never acts. Pulumi reads every resource in `preview
 * --refresh`, `refresh --preview-only` and the preview a `pulumi refresh` shows before it asks,
 * and a refresh only records what it reads: with a previous token past the end of its overlap,
 * then a token past its `expiresAt`, none of them (nor a plain `refresh`) sends a single POST or
 * DELETE to Utho, while `up --refresh` at the same instant revokes what is due, in one run; a
 * refresh that finds the current token deleted during an overlap keeps the resource, which still
 * holds the previous token, and the next up mints a new current one. The previews say why the
 * resource updates, since Pulumi marks no property for work that came due with time (but
 * `expired`, which check adds to the inputs). The provider's clock is set with UTHO_TOKENS_NOW.
 */
import type { E2EProject } from "../support/e2e";
import { useProjects } from "../support/e2e";

const openProject = useProjects();
const DAY = 86_400_000;

/** The requests that change something in Utho. */
const writes = (p: E2EProject) =>
  p.emulator.requests
    .filter((r) => r.method === "POST" || r.method === "DELETE")
    .map((r) => `${r.method} ${r.path}`);

/** Every run with UTHO_TOKENS_NOW set says so, once: not one of the messages about due work. */
const CLOCK_WARNING = "utho:ApiToken: warning: UTHO_TOKENS_NOW is set";

/** The provider's messages about due work (`preview --diff` prints them as lines of their own). */
const messages = (output: string) =>
  output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("utho:ApiToken: ") && !line.startsWith(CLOCK_WARNING));

const liveIds = (p: E2EProject) =>
  p.emulator
    .listTokens()
    .map((t) => t.id)
    .sort();

/** `preview --refresh`, `refresh --preview-only`, a declined `refresh` and a plain `refresh`: none writes. */
async function readOnlyRuns(p: E2EProject, env: NodeJS.ProcessEnv): Promise<string> {
  p.emulator.resetRequests();
  const preview = await p.pulumi(["preview", "--refresh", "--diff"], { env });
  expect(writes(p)).toEqual([]);
  await p.pulumi(["refresh", "--preview-only"], { env });
  expect(writes(p)).toEqual([]);
  const declined = await p.pulumiDeclined(["refresh"], env);
  expect(declined.stdout).toContain("confirmation declined, not proceeding with the refresh");
  // Its preview read the tokens: the emulator saw the listing.
  expect(p.emulator.countRequests("GET", "/v2/api")).toBeGreaterThan(0);
  expect(writes(p)).toEqual([]);
  await p.pulumi(["refresh", "--yes", "--skip-preview"], { env });
  expect(writes(p)).toEqual([]);
  return `${preview.stdout}\n${preview.stderr}`;
}

it("preview --refresh, refresh --preview-only, a declined refresh and refresh send no write; up --refresh revokes what is due", async () => {
  const p = await openProject("tests/e2e/programs/token");
  const start = Date.now();
  const at = (days: number) => ({ UTHO_TOKENS_NOW: new Date(start + days * DAY).toISOString() });
  const expiresAt = new Date(start + 50 * DAY).toISOString();
  await p.setConfig("rotateAfter", "30d");
  await p.setConfig("overlap", "7d");
  await p.setConfig("expiresAt", expiresAt);
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const { tokenId: first, name, rotationDueAt: dueAt } = await p.outputs();

  // Day 31: the rotation is due; the preview says so, and the up rotates in place.
  const due = await p.pulumi(["preview", "--diff"], { env: at(31) });
  expect(due.stdout).toMatch(/~ pulumi-nodejs:dynamic\/utho:ApiToken: \(update\)/);
  expect(`${due.stdout}\n${due.stderr}`).toContain(CLOCK_WARNING);
  expect(messages(`${due.stdout}\n${due.stderr}`)).toEqual([
    `utho:ApiToken: "${name}" (token ${first}): rotateAfter "30d" made it due at ${dueAt}; ` +
      `\`pulumi up\` mints a new token and keeps token ${first} valid for "7d" more (an update)`,
  ]);
  await p.pulumi(["up", "--yes", "--skip-preview"], { env: at(31) });
  const { tokenId: rotated, previousTokenId } = await p.outputs();
  expect(previousTokenId).toBe(first);
  expect(liveIds(p)).toEqual([first, rotated].sort());

  // Day 33: the current token is deleted outside Pulumi during the overlap. The refresh revokes
  // nothing and keeps the resource, which holds the previous token; the up mints a new current one.
  p.emulator.deleteTokenOutOfBand(rotated);
  p.emulator.resetRequests();
  await p.pulumi(["refresh", "--yes", "--skip-preview"], { env: at(33) });
  expect(writes(p)).toEqual([]);
  expect(await p.outputs()).toMatchObject({ tokenId: rotated, previousTokenId: first });
  const missing = await p.pulumi(["preview", "--diff"], { env: at(33) });
  expect(messages(`${missing.stdout}\n${missing.stderr}`)).toEqual([
    `utho:ApiToken: "${name}" (token ${rotated}) was deleted outside Pulumi; \`pulumi up\` mints a new current token (an update)`,
  ]);
  await p.pulumi(["up", "--yes", "--skip-preview"], { env: at(33) });
  expect(writes(p).filter((write) => write.startsWith("DELETE"))).toEqual([]);
  const { tokenId: second, ...afterMint } = await p.outputs();
  expect(afterMint).toMatchObject({ id: first, previousTokenId: first });
  expect(liveIds(p)).toEqual([first, second].sort());

  // Day 45: the overlap ended on day 38. Reading changes nothing; the preview says what up will do.
  const ended = await readOnlyRuns(p, at(45));
  expect(ended).toMatch(/~ pulumi-nodejs:dynamic\/utho:ApiToken: \(update\)/);
  // Said once, though a run with --refresh asks for the diff twice.
  const { previousRevokeAt, previousTokenId: stillPrevious } = await p.outputs();
  expect(messages(ended)).toEqual([
    `utho:ApiToken: "${name}" (token ${second}): the overlap of previous token ${first} ended at ` +
      `${previousRevokeAt}; \`pulumi up\` revokes it (an update)`,
  ]);
  expect(liveIds(p)).toEqual([first, second].sort());
  expect(stillPrevious).toBe(first);
  p.emulator.resetRequests();
  await p.pulumi(["up", "--refresh", "--yes"], { env: at(45) });
  expect(writes(p)).toEqual([`DELETE /v2/api/${first}/delete`]);
  expect(liveIds(p)).toEqual([second]);
  expect((await p.outputs()).previousTokenId).toBeUndefined();

  // Day 52: expiresAt (day 50) has passed. The same: nothing until the up.
  const expiring = await readOnlyRuns(p, at(52));
  // The one property a preview can mark for work due with time: check adds it to the inputs.
  expect(expiring).toMatch(
    /~ pulumi-nodejs:dynamic\/utho:ApiToken: \(update\)\n(?: +[^\n]*\n)*? +\+ expired +: true\n/,
  );
  expect(messages(expiring)).toEqual([
    `utho:ApiToken: "${name}" (token ${second}): expiresAt ${expiresAt} has passed; \`pulumi up\` revokes it (an update)`,
  ]);
  expect(liveIds(p)).toEqual([second]);
  p.emulator.resetRequests();
  const revoked = await p.pulumi(["up", "--refresh", "--yes"], { env: at(52) });
  expect(revoked.stdout).toMatch(
    /~ +pulumi-nodejs:dynamic\/utho:ApiToken token updated .*\[diff: \+expired\]/,
  );
  expect(writes(p)).toEqual([`DELETE /v2/api/${second}/delete`]);
  expect(liveIds(p)).toEqual([]);
  expect((await p.outputs()).expired).toBe(true);
  await p.pulumi(["up", "--refresh", "--yes", "--expect-no-changes"], { env: at(52) });
}, 300_000);
