/**
 * utho-tokens keeps the secrets it reads from a stack (a decrypted `utho:apiKey`) for the run
 * alone, in its project's redactor (`main` passes every line it prints through it).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PulumiCli } from "../../cli/pulumi";
import { PulumiProject } from "../../cli/stack";
import { SecretRedactor } from "../../sdk/redact";

// Shaped like a token name: only being known can mask it.
const STACK_KEY = "stack-key-read-from-config";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "utho-cli-secrets-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: tokens\nruntime: nodejs\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A Pulumi CLI with one stack, whose secret `utho:apiKey` is STACK_KEY. */
const pulumi: PulumiCli = {
  run: async (args) => {
    if (args[0] === "config" && args[1] === "--json")
      return JSON.stringify({ "utho:apiKey": { secret: true } });
    if (args[0] === "config" && args[1] === "get") return `${STACK_KEY}\n`;
    throw new Error(`unexpected pulumi ${args.join(" ")}`);
  },
};

it("a stack's decrypted utho:apiKey goes to the project's redactor, which is the run's own", async () => {
  const secrets = new SecretRedactor();
  const project = PulumiProject.open(dir, pulumi, secrets);
  await expect(project.credentials("dev")).resolves.toEqual({ apiKey: STACK_KEY });
  expect(secrets.redact(`quoted ${STACK_KEY}`)).toBe("quoted [REDACTED]");
  expect(PulumiProject.open(dir, pulumi).secrets.size).toBe(0);
});
