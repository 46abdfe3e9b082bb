/**
 * The reference page's tables for `ApiToken` (docs/reference.md, between the markers
 * `<!-- table:inputs -->` and `<!-- table:outputs -->`) list exactly the inputs of
 * `ApiTokenArgs` and the outputs the class declares (read from the source with the TypeScript
 * compiler), so the documentation cannot drift from the resource.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { between, REFERENCE_PAGE } from "../../scripts/docs-tables";
import { declared } from "../support/declared";

const ROOT = path.resolve(__dirname, "../..");

/** The backticked names in the first column of the table between the markers `<!-- name -->`. */
function tableNames(page: string, name: string): string[] {
  const rows = between(page, name)
    .split("\n")
    .filter((line) => line.startsWith("| "));
  expect(rows[1]).toMatch(/^\| --- \|/);
  return rows
    .slice(2)
    .flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ""));
}

const page = readFileSync(REFERENCE_PAGE, "utf8");

it("lists every input of ApiTokenArgs, and nothing else", () => {
  expect(tableNames(page, "table:inputs").sort()).toEqual(declared().inputs.sort());
});

it("lists every output the class declares, plus id, and nothing else", () => {
  expect(tableNames(page, "table:outputs").sort()).toEqual(["id", ...declared().outputs].sort());
});

it("finds the declarations it compares with", () => {
  const { inputs, outputs } = declared();
  expect(inputs).toEqual(expect.arrayContaining(["name", "scope", "adopt", "rotation", "connection"]));
  expect(outputs).toEqual(expect.arrayContaining(["name", "scope", "createdAt", "token", "accountId"]));
});

/** The files under `dirs` (recursively) whose names end in one of `extensions`. */
function sources(dirs: string[], extensions: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((file) => extensions.some((ext) => file.endsWith(ext)) && !file.endsWith(".d.ts"))
      .map((file) => path.join(ROOT, dir, file)),
  );
}

/**
 * The settings the package's code reads: `UTHO_*` environment variables (as `process.env.X`,
 * `env.X`, `env["X"]`, a constant naming one, or `$X` in a shell script) and the `utho:` stack
 * config keys. Error codes such as `UTHO_CONFIG` are none of these.
 */
function settingsRead(): string[] {
  const found = new Set<string>();
  for (const file of sources(["sdk", "provider", "cli", "emulator", "program", "scripts"], [".ts", ".sh"])) {
    const text = readFileSync(file, "utf8");
    const patterns = [
      /env(?:\.|\[")(UTHO_[A-Z_]+)/g,
      /\$\{?(UTHO_[A-Z_]+)/g,
      /_(?:ENV|VARIABLE) = "(UTHO_[A-Z_]+)"/g,
      /"(utho:[a-zA-Z]+)"/g,
    ];
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.add(match[1] ?? "");
  }
  return [...found].sort();
}

it("documents every setting the code reads in the Configuration table", () => {
  const read = settingsRead();
  expect(read).toEqual(
    expect.arrayContaining(["UTHO_API_KEY", "UTHO_TIMEOUT_MS", "UTHO_TOKENS_NOW", "utho:apiKey"]),
  );
  const documented = tableNames(page, "table:settings");
  expect(read.filter((setting) => !documented.includes(setting))).toEqual([]);
});
