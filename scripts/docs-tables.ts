/**
 * `npm run docs`: writes the tables of docs/reference.md that are made from data, between their
 * markers (`<!-- generated:bad-input -->` … `<!-- /generated:bad-input -->`), and leaves the
 * rest of the page as written. tests/docs/tables.test.ts fails while the page differs from
 * what this would write.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type BadInputRow, badInputRows } from "./bad-input";
import { REPO_ROOT } from "./engine";

export const REFERENCE_PAGE = path.join(REPO_ROOT, "docs/reference.md");

/** The text between `<!-- name -->` and `<!-- /name -->` in a page, without the marker lines. */
export function between(page: string, name: string): string {
  const open = `<!-- ${name} -->\n`;
  const start = page.indexOf(open);
  const end = page.indexOf(`<!-- /${name} -->`, start);
  if (start < 0 || end < 0) throw new Error(`no <!-- ${name} --> … <!-- /${name} --> in the page`);
  return page.slice(start + open.length, end);
}

/**
 * A value as the table shows it: JSON with a space after each colon and comma, and every
 * invisible or direction-changing character (C0 and C1 controls, formatting characters such as
 * U+202E or U+FEFF, line and paragraph separators) written as its `\uXXXX` escape.
 */
export function shownJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(shownJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => `${shownJson(key)}: ${shownJson(item)}`);
    return `{${entries.join(", ")}}`;
  }
  return JSON.stringify(value).replace(
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`,
  );
}

/** A table cell's code span; a `|` inside would end the cell, so it is escaped. */
function code(text: string): string {
  if (text.includes("`")) throw new Error(`a backtick cannot go into a code span: ${text}`);
  return `\`${text.replaceAll("|", "\\|")}\``;
}

export function badInputTable(rows: BadInputRow[]): string {
  const lines = [
    "| # | input | resource args (JSON) | when | error names |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (row) =>
        `| ${row.number} | ${row.input} | ${code(shownJson(row.value))} | ${row.when} | ${code(row.errorNames)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

const GENERATED: Record<string, () => string> = {
  "generated:bad-input": () => badInputTable(badInputRows()),
};

/** The page with every generated table written afresh between its markers. */
export function withGeneratedTables(page: string): string {
  let result = page;
  for (const [name, table] of Object.entries(GENERATED)) {
    const old = between(result, name);
    const at = result.indexOf(`<!-- ${name} -->\n`) + `<!-- ${name} -->\n`.length;
    // Blank lines around the table, so that no Markdown reader takes a marker for a table row.
    result = `${result.slice(0, at)}\n${table()}\n${result.slice(at + old.length)}`;
  }
  return result;
}

if (require.main === module) {
  const page = readFileSync(REFERENCE_PAGE, "utf8");
  const updated = withGeneratedTables(page);
  if (updated !== page) writeFileSync(REFERENCE_PAGE, updated);
  console.log(`${path.relative(REPO_ROOT, REFERENCE_PAGE)}: ${updated === page ? "up to date" : "updated"}`);
}
