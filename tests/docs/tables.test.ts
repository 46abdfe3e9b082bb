/**
 * The tables of docs/reference.md that are made from data are what `npm run docs` would write
 * now: the bad-input table shows exactly the rows of docs/bad-input.json that the bad-input
 * tests send. After a change to the data, `npm run docs` brings the page up to date.
 */
import { readFileSync } from "node:fs";
import { badInputRows } from "../../scripts/bad-input";
import {
  badInputTable,
  between,
  REFERENCE_PAGE,
  shownJson,
  withGeneratedTables,
} from "../../scripts/docs-tables";

const page = readFileSync(REFERENCE_PAGE, "utf8");

it("docs/reference.md is up to date with the data (else run `npm run docs`)", () => {
  expect(page).toBe(withGeneratedTables(page));
});

it("shows every bad-input row, numbered in the data's order", () => {
  const rows = badInputRows();
  const table = between(page, "generated:bad-input");
  expect(table).toBe(`\n${badInputTable(rows)}\n`);
  expect(table.trim().split("\n")).toHaveLength(rows.length + 2);
  expect(table).toContain(`| ${rows.length} | ${rows.at(-1)?.input} |`);
});

it("writes invisible and direction-changing characters as escapes, and JSON that parses back", () => {
  const value = { name: "ci\u202Egpj\u0085\uFEFF\u2028\t", keepers: { a: "|" }, id: [1, null] };
  const shown = shownJson(value);
  expect(shown).toBe(
    '{"name": "ci\\u202Egpj\\u0085\\uFEFF\\u2028\\t", "keepers": {"a": "|"}, "id": [1, null]}',
  );
  expect(JSON.parse(shown)).toEqual(value);
  const [first] = badInputRows();
  if (!first) throw new Error("docs/bad-input.json has no rows");
  expect(badInputTable([{ ...first, value: { a: "x|y" } }])).toContain('`{"a": "x\\|y"}`');
});

it("refuses data that does not fit: a row with neither args nor config, or args not refused at preview", () => {
  const row = { input: "x", when: "preview (check), no request", error: "x: bad" };
  expect(() => badInputRows(JSON.stringify({ rows: [row] }))).toThrow("needs args or config");
  expect(() => badInputRows(JSON.stringify({ rows: [{ ...row, args: {}, when: "up" }] }))).toThrow(
    "refused at",
  );
  expect(() => badInputRows(JSON.stringify({ rows: [{ ...row, args: {}, extra: 1 }] }))).toThrow();
});
