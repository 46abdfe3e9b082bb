/**
 * The bad-input data, docs/bad-input.json: each input `ApiToken` or its provider refuses, when,
 * and what the error names. tests/provider/bad-input.test.ts and tests/e2e/bad-input.test.ts
 * send every row; `npm run docs` shows them as the table of docs/reference.md. Kept as JSON,
 * with no TypeScript in it, so a provider for another language can read the same rows. A row
 * that does not fit the schema fails loudly, so none can silently drop out of the tests.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { REPO_ROOT } from "./engine";

export const BAD_INPUT_FILE = path.join(REPO_ROOT, "docs/bad-input.json");
/** The `when` of a row that `check` refuses at preview. */
export const AT_PREVIEW = "preview (check), no request";

const json = z.record(z.string(), z.unknown());
const rowSchema = z
  .object({
    /** The short description, in Markdown. */
    input: z.string().min(1),
    /** ApiToken args that `check` refuses (always at preview), */
    args: json.optional(),
    /** or the provider's stack config (`utho:apiKey`, `utho:baseUrl`), placeholders such as `<emulator>` in it. */
    config: json.optional(),
    when: z.string().min(1),
    /** A substring of the error: the field and the rule. */
    error: z.string().min(1),
  })
  .strict()
  .refine((row) => (row.args === undefined) !== (row.config === undefined), "needs args or config, not both")
  .refine(
    (row) => row.config !== undefined || row.when === AT_PREVIEW,
    `args are refused at "${AT_PREVIEW}"`,
  );
const fileSchema = z.object({ rows: z.array(rowSchema).min(1) }).strict();

export interface BadInputRow {
  /** 1, 2, 3...: the row's place in the file and in the table. */
  number: number;
  input: string;
  /** "check": ApiToken args that `check` refuses; "config": the provider's stack config. */
  kind: "check" | "config";
  /** The args or the config, placeholders such as `<emulator>` still in it. */
  value: Record<string, unknown>;
  when: string;
  /** A substring of the error: the field and the rule. */
  errorNames: string;
}

export function badInputRows(text = readFileSync(BAD_INPUT_FILE, "utf8")): BadInputRow[] {
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${BAD_INPUT_FILE}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data.rows.map((row, index) => ({
    number: index + 1,
    input: row.input,
    kind: row.config === undefined ? "check" : "config",
    value: row.config ?? row.args ?? {},
    when: row.when,
    errorNames: row.error,
  }));
}
