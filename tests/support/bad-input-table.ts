/**
 * The README's "Bad input, and what it gets" table, parsed: the data of
 * tests/provider/bad-input.test.ts and tests/e2e/bad-input.test.ts. Anything that does not
 * parse fails loudly, so a row cannot silently drop out of the tests.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const README = path.resolve(__dirname, "../../README.md");
export const BAD_INPUT_HEADING = "#### Bad input, and what it gets";
const COLUMNS = ["#", "input", "resource args (JSON)", "when", "error names"];
/** The `when` of a row that `check` refuses at preview. */
export const AT_PREVIEW = "preview (check), no request";
const CONFIG_ROW = "provider config";

export interface BadInputRow {
  number: number;
  /** The short description, as written. */
  input: string;
  /** "check": ApiToken args that `check` refuses; "config": the provider's stack config. */
  kind: "check" | "config";
  /** The parsed JSON, placeholders such as `<emulator>` still in it. */
  value: Record<string, unknown>;
  when: string;
  /** A substring of the error: the field and the rule. */
  errorNames: string;
}

function codeSpan(cell: string, where: string): string {
  const match = /^`([^`]+)`$/.exec(cell);
  if (!match?.[1]) throw new Error(`${where}: expected one code span, got ${JSON.stringify(cell)}`);
  return match[1];
}

function cellsOf(line: string): string[] {
  if (!line.startsWith("|") || !line.endsWith("|")) throw new Error(`not a table row: ${line}`);
  return line
    .slice(1, -1)
    .split("|")
    .map((cell) => cell.trim());
}

export function badInputRows(readme = readFileSync(README, "utf8")): BadInputRow[] {
  const start = readme.indexOf(`\n${BAD_INPUT_HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${BAD_INPUT_HEADING}" section`);
  const section = readme.slice(start + BAD_INPUT_HEADING.length + 2).split(/\n#{2,4} /)[0] ?? "";
  const lines = section.split("\n");
  const first = lines.findIndex((line) => line.startsWith("|"));
  if (first < 0) throw new Error(`"${BAD_INPUT_HEADING}" holds no table`);
  const end = lines.findIndex((line, i) => i > first && !line.startsWith("|"));
  const [header, separator, ...body] = lines.slice(first, end < 0 ? undefined : end);
  if (JSON.stringify(cellsOf(header ?? "")) !== JSON.stringify(COLUMNS)) {
    throw new Error(`the bad-input table's columns must be ${COLUMNS.join(", ")}: ${header}`);
  }
  if (!cellsOf(separator ?? "").every((cell) => /^:?-{3,}:?$/.test(cell))) {
    throw new Error(`the bad-input table has no separator line: ${separator}`);
  }

  return body.map((line, index) => {
    const cells = cellsOf(line);
    if (cells.length !== COLUMNS.length)
      throw new Error(`row ${index + 1} has ${cells.length} cells: ${line}`);
    const [number, input, json, when, errorNames] = cells as [string, string, string, string, string];
    const where = `bad-input row ${number}`;
    if (Number(number) !== index + 1) throw new Error(`${where}: rows must be numbered 1, 2, 3...`);
    const value: unknown = JSON.parse(codeSpan(json, `${where}, resource args`));
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error(`${where}: the JSON must be an object`);
    }
    const kind = input.startsWith(CONFIG_ROW) ? "config" : "check";
    if (kind === "check" && when !== AT_PREVIEW) {
      throw new Error(`${where}: a row of ApiToken args must be refused at "${AT_PREVIEW}", not "${when}"`);
    }
    return {
      number: index + 1,
      input,
      kind,
      value: value as Record<string, unknown>,
      when,
      errorNames: codeSpan(errorNames, `${where}, error names`),
    };
  });
}

/** `value` with every `<placeholder>` inside its strings replaced, e.g. `<emulator>` by a base URL. */
export function substitute<T>(value: T, placeholders: Record<string, string>): T {
  if (typeof value === "string") {
    return value.replace(/<[a-z -]+>/g, (found) => {
      const replacement = placeholders[found];
      if (replacement === undefined) throw new Error(`unknown placeholder ${found}`);
      return replacement;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, placeholders)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, placeholders)]),
    ) as T;
  }
  return value;
}
