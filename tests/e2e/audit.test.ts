/**
 * `utho-tokens audit` from a real project: the stack's state read through the Pulumi CLI (its secrets left encrypted),
 * the account through the SDK, the exit code as a CI gate, and clear errors for a missing stack
 * or credentials. Nothing it prints holds a secret.
 */
import { useProjects } from "../support/e2e";

const openProject = useProjects();

interface AuditJson {
  accountId: string;
  stacks: string[];
  tokens: { id: string; name: string; scope: string; managedBy: { resource: string }[]; flags: string[] }[];
  failures: string[];
}

it("lists every token with the resource that manages it, flags a hand-made Write token, and gates on it", async () => {
  const p = await openProject("tests/e2e/programs/many", { credentials: "config" });
  await p.setConfig("count", "3");
  await p.pulumi(["up", "--yes", "--skip-preview"]);
  const handMade = p.emulator.createTokenOutOfBand("hand-made", "write");

  const table = (await p.uthoTokens(["audit"])).stdout;
  expect(table.split("\n")[0]).toMatch(/^id\s+name\s+scope\s+created at\s+age\s+managed by\s+flags$/);
  expect(table).toMatch(
    new RegExp(`^${handMade.id}\\s+hand-made\\s+write\\s.*\\sunmanaged\\s+unmanaged write$`, "m"),
  );
  expect(table).toMatch(/^\d+\s+token-0-[0-9a-f]{16}\s+read\s.*\s\S*e2e\/token-0\s*$/m);
  expect(table).toMatch(/4 tokens in Utho account 41250: 3 managed by \S*e2e, 1 unmanaged \(1 Write\)/);

  const report = JSON.parse((await p.uthoTokens(["audit", "--json"])).stdout) as AuditJson;
  const managed = report.tokens.map((t) => [
    t.name.replace(/-[0-9a-f]{16}$/, ""),
    t.managedBy.map((m) => m.resource),
  ]);
  expect(managed.sort()).toEqual([
    ["hand-made", []],
    ["token-0", ["token-0"]],
    ["token-1", ["token-1"]],
    ["token-2", ["token-2"]],
  ]);

  const gated = await p.uthoTokens(["audit", "--fail-on", "write"], { expectFailure: true });
  expect(gated.code).toBe(1);
  expect(gated.stderr).toContain(
    `utho-tokens audit: 1 unmanaged Write token (${handMade.id}): --fail-on write`,
  );
  // Age follows UTHO_TOKENS_NOW: far ahead, every token is stale.
  const stale = await p.uthoTokens(["audit", "--fail-on", "stale", "--stale-after", "30d"], {
    expectFailure: true,
    env: { UTHO_TOKENS_NOW: "2030-01-01T00:00:00Z" },
  });
  expect(stale.stderr).toMatch(/4 stale tokens \(.*\): --fail-on stale/);
  await p.uthoTokens(["audit", "--fail-on", "stale"]);

  // The secrets are in the state (encrypted) and in the emulator's answer to the POSTs; none
  // may appear in anything printed.
  const state = (await p.pulumi(["stack", "export", "--show-secrets"], { secret: true })).stdout;
  const secrets = [...state.matchAll(/"plaintext": "\\"([^\\"]+)\\""/g)].map((m) => m[1] as string);
  // The three tokens, and the API key, which Pulumi keeps (encrypted) in the provider's inputs.
  expect(secrets).toContain(p.emulator.rootKey);
  expect(new Set(secrets).size).toBe(4);
  const printed = p.transcript.join("\n");
  for (const secret of [...secrets, handMade.secret, p.emulator.rootKey])
    expect(printed).not.toContain(secret);
});

it("fails clearly, with exit code 2, for a stack that does not exist and for missing credentials", async () => {
  const p = await openProject("tests/e2e/programs/many");
  await p.setConfig("count", "1");
  const noStack = await p.uthoTokens(["audit", "--stack", "nope"], { expectFailure: true });
  expect(noStack.code).toBe(2);
  expect(noStack.stderr).toMatch(
    /^utho-tokens: --stack: this project has no stack "nope" in its backend \(its stacks: .*e2e\)/,
  );
  // Nothing is pending, so reconcile needs no credentials: it says so and succeeds.
  const nothing = await p.uthoTokens(["reconcile"], { env: { UTHO_API_KEY: "", UTHO_TOKEN: "" } });
  expect(nothing.stdout).toMatch(
    /^Stack \S*e2e: no interrupted operation of an ApiToken; nothing to reconcile\.$/m,
  );
  const audit = await p.uthoTokens(["audit"], {
    expectFailure: true,
    env: { UTHO_API_KEY: "", UTHO_TOKEN: "" },
  });
  expect(audit.code).toBe(2);
  expect(audit.stderr).toContain("utho-tokens: Missing Utho credentials: set the stack's config with");
});
