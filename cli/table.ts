/**
 * A plain-text table for `utho-tokens`, the demo and the bench: the first row is the header, underlined with
 * dashes, and columns are two spaces apart. Cells are left-aligned unless their column index is in
 * `alignRight` (for figures).
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  options: { alignRight?: readonly number[] } = {},
): string {
  const [header, ...body] = rows;
  if (header === undefined) return "";
  const widths = header.map((_, col) => Math.max(...rows.map((row) => row[col]?.length ?? 0)));
  const right = new Set(options.alignRight);
  const line = (row: readonly string[]): string =>
    row
      .map((cell, col) => (right.has(col) ? cell.padStart(widths[col] ?? 0) : cell.padEnd(widths[col] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...body.map(line)].join("\n");
}
