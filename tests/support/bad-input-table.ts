/**
 * The bad-input rows (docs/bad-input.json, read by scripts/bad-input.ts): the data of
 * tests/provider/bad-input.test.ts and tests/e2e/bad-input.test.ts.
 */
export { AT_PREVIEW, type BadInputRow, badInputRows } from "../../scripts/bad-input";

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
