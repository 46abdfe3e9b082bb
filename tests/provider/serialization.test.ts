/**
 * What Pulumi stores as `__provider` in the state, in both ways a program can load the
 * provider: from a local checkout (serialized by value) and as an installed package. Neither may
 * hold a credential, the SDK's modules or an agent; both must stay small.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, "tests/support/serialize-provider.js");
const API_KEY = "sentinel-api-key-0123456789abcdefABCDEF";
const BASE_URL = "https://sentinel-base-url.example/v2";

function serializedProvider(cwd: string, moduleSpecifier: string): string {
  const out = execFileSync(process.execPath, [SCRIPT, moduleSpecifier], {
    cwd,
    env: {
      ...process.env,
      // Present in the program's process, as they would be in a real run.
      UTHO_API_KEY: API_KEY,
      UTHO_BASE_URL: BASE_URL,
      PULUMI_CONFIG: JSON.stringify({ "utho:apiKey": API_KEY, "utho:baseUrl": BASE_URL }),
    },
    encoding: "utf8",
  });
  return (JSON.parse(out) as { provider: string }).provider;
}

function expectNothingCaptured(text: string): void {
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain("sentinel-base-url");
  // Modules the provider needs are loaded at run time, never inlined.
  expect(text).not.toMatch(/undici|zod|UthoClient|Bearer/);
}

it("local checkout: captures only the absolute path of the compiled operations module", () => {
  const text = serializedProvider(ROOT, path.join(ROOT, "dist"));
  expectNothingCaptured(text);
  expect(text).toContain(`OPERATIONS_MODULE: "${path.join(ROOT, "dist/provider/operations")}"`);
  expect(text.length).toBeLessThan(4_000);
  process.stdout.write(`local __provider: ${text.length} characters\n`);
});

describe("installed package", () => {
  let program: string;
  beforeAll(() => {
    // A program directory with the package installed as npm would: a real copy in node_modules.
    program = mkdtempSync(path.join(tmpdir(), "utho-installed-"));
    const pkg = path.join(program, "node_modules/utho-pulumi-tokens");
    mkdirSync(pkg, { recursive: true });
    cpSync(path.join(ROOT, "dist"), path.join(pkg, "dist"), { recursive: true });
    cpSync(path.join(ROOT, "package.json"), path.join(pkg, "package.json"));
    for (const dep of ["@pulumi", "undici", "zod"]) {
      symlinkSync(path.join(ROOT, "node_modules", dep), path.join(program, "node_modules", dep));
    }
  });
  afterAll(() => rmSync(program, { recursive: true, force: true }));

  it("captures the provider module by package name, resolved from the program at run time", () => {
    const text = serializedProvider(program, "utho-pulumi-tokens");
    expectNothingCaptured(text);
    // The whole provider is one require of the installed module: every resource's state carries
    // it twice (inputs and outputs), and the engine writes the state after every step.
    expect(text).toContain('require("utho-pulumi-tokens/dist/provider/host.js")');
    expect(text.length).toBeLessThan(400);
    expect(text).not.toContain(ROOT);
    process.stdout.write(`installed __provider: ${text.length} characters\n`);
  });
});
