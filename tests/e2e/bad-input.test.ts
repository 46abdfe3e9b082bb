/**
 * A few rows of the bad-input data (docs/bad-input.json) through the real CLI: `pulumi preview` fails
 * naming the field and the rule, with no request to Utho and no token created.
 */
import { AT_PREVIEW, badInputRows } from "../support/bad-input-table";
import { type E2EProject, useProjects } from "../support/e2e";

const openProject = useProjects();

// One of each kind: unusual Unicode, a wrong value, and an unsafe URL inside a secret input.
const PICKED = ["name of 65 emoji", "scope in the wrong case", "`connection.baseUrl` plain http"];
const rows = PICKED.map((input) => {
  const row = badInputRows().find((r) => r.input.startsWith(input));
  if (!row) throw new Error(`docs/bad-input.json has no row "${input}"`);
  return row;
});

/** `pulumi preview` of the program with these args, expected to fail; its whole output. */
async function failedPreview(p: E2EProject, args: Record<string, unknown>): Promise<string> {
  await p.setConfig("args", JSON.stringify(args));
  p.emulator.resetRequests();
  const preview = await p.pulumi(["preview"], { expectFailure: true });
  expect(p.emulator.countRequests()).toBe(0);
  expect(p.emulator.listTokens()).toEqual([]);
  return `${preview.stdout}\n${preview.stderr}`;
}

it("pulumi preview refuses bad input naming the field, with no request and nothing created", async () => {
  const p = await openProject("tests/e2e/programs/bad-input");
  for (const row of rows) {
    expect(row.when).toBe(AT_PREVIEW);
    expect(await failedPreview(p, row.value)).toContain(row.errorNames);
  }
  // A provider setting wrong on its face fails the preview too.
  const unsafe = badInputRows().find((r) => r.input === "provider config: plain-http base URL");
  expect(unsafe?.when).toBe(AT_PREVIEW);
  await p.setConfig("utho:baseUrl", "http://api.example.com");
  expect(await failedPreview(p, {})).toContain(unsafe?.errorNames);
  await p.pulumi(["config", "rm", "utho:baseUrl"]);
  // What docs/reference.md says of a name with an unpaired surrogate, left out of the table: the engine
  // refuses it before `check`, naming neither the field nor the rule.
  expect(await failedPreview(p, { name: "ci\ud800" })).toContain("string field contains invalid UTF-8");
});

it("pulumi preview refuses a property the ApiToken class does not declare (from JavaScript)", async () => {
  const row = badInputRows().find((r) => r.input === "unknown property `scopes`");
  expect(row?.when).toBe(AT_PREVIEW);
  const p = await openProject("tests/e2e/programs/bad-input");
  expect(await failedPreview(p, row?.value ?? {})).toContain(row?.errorNames);
});
