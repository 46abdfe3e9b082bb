/**
 * The bench's results page: Markdown tables of times, ratios, requests, memory and emulator
 * CPU, and an SVG chart of the time ratios against N, drawn as plain SVG text (no browser).
 */
import type { Measured } from "./cli-runs";
import type { Usage } from "./process-usage";

export interface CaseResult {
  count: number;
  latencyMs: number;
  floor: Map<string, Measured>;
  tokens: Map<string, Measured>;
  /** The same tokens through the `utho` provider plugin, at the sizes it ran. */
  plugin?: Map<string, Measured>;
}

/** The runs compared with the floor (the others are the tokens' alone). */
export const COMPARED = ["up", "up, nothing to change", "refresh", "destroy"] as const;

const fixed = (value: number, digits: number) => value.toFixed(digits);

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function ratio(
  result: CaseResult,
  run: string,
  subject: "tokens" | "plugin" = "tokens",
): number | undefined {
  const ours = result[subject]?.get(run)?.seconds;
  const floor = result.floor.get(run)?.seconds;
  return ours === undefined || floor === undefined ? undefined : ours / floor;
}

/** One row per compared run of every case: N, latency, run, then `cells`. */
function comparedRows(
  results: CaseResult[],
  cells: (result: CaseResult, run: string) => string[],
): string[][] {
  return results.flatMap((r) =>
    COMPARED.map((run) => [String(r.count), `${r.latencyMs} ms`, run, ...cells(r, run)]),
  );
}

const CASE_COLUMNS = ["N", "emulator latency", "run"];

export function timeTable(results: CaseResult[]): string {
  const rows = comparedRows(results, (r, run) => [
    fixed(r.floor.get(run)?.seconds ?? Number.NaN, 2),
    fixed(r.tokens.get(run)?.seconds ?? Number.NaN, 2),
    `**${fixed(ratio(r, run) ?? Number.NaN, 2)}**`,
  ]);
  return markdownTable([...CASE_COLUMNS, "floor s", "ours s", "ours / floor"], rows);
}

/** Floor, dynamic and plugin side by side, for the cases the plugin ran in. */
export function pluginTable(results: CaseResult[]): string {
  const rows = comparedRows(
    results.filter((r) => r.plugin),
    (r, run) => [
      fixed(r.floor.get(run)?.seconds ?? Number.NaN, 2),
      fixed(r.tokens.get(run)?.seconds ?? Number.NaN, 2),
      fixed(r.plugin?.get(run)?.seconds ?? Number.NaN, 2),
      fixed(ratio(r, run) ?? Number.NaN, 2),
      `**${fixed(ratio(r, run, "plugin") ?? Number.NaN, 2)}**`,
      String(r.plugin?.get(run)?.requests["GET api"] ?? 0),
    ],
  );
  return markdownTable(
    [
      ...CASE_COLUMNS,
      "floor s",
      "dynamic s",
      "plugin s",
      "dynamic / floor",
      "plugin / floor",
      "plugin GET api",
    ],
    rows,
  );
}

export function requestTable(results: CaseResult[]): string {
  const rows = results.flatMap((r) =>
    [...r.tokens.entries()].map(([run, m]) => [
      String(r.count),
      `${r.latencyMs} ms`,
      run,
      String(m.requests["POST api/generate"] ?? 0),
      String(m.requests["DELETE api/{id}/delete"] ?? 0),
      String(m.requests["GET api"] ?? 0),
      String(m.requests["GET account/info"] ?? 0),
      fixed(m.emulatorCpuSeconds, 2),
    ]),
  );
  return markdownTable(
    [...CASE_COLUMNS, "POST", "DELETE", "GET api", "GET account/info", "emulator CPU s"],
    rows,
  );
}

export function memoryTable(results: CaseResult[]): string {
  const rows = comparedRows(results, (r, run) => {
    const floor = r.floor.get(run)?.usage["provider host"].peakMiB ?? Number.NaN;
    const ours = r.tokens.get(run)?.usage["provider host"].peakMiB ?? Number.NaN;
    return [fixed(floor, 0), fixed(ours, 0), fixed(ours / floor, 2)];
  });
  return markdownTable([...CASE_COLUMNS, "floor MiB", "ours MiB", "ours / floor"], rows);
}

const PROFILED: (keyof Usage)[] = ["engine", "program", "provider host"];

/** CPU seconds per kind of process, floor then ours: where the extra time of a run goes. */
export function cpuTable(results: CaseResult[]): string {
  const rows = comparedRows(results, (r, run) =>
    PROFILED.map((kind) => {
      const floor = r.floor.get(run)?.usage[kind].cpuSeconds ?? Number.NaN;
      const ours = r.tokens.get(run)?.usage[kind].cpuSeconds ?? Number.NaN;
      return `${fixed(floor, 2)} → ${fixed(ours, 2)}`;
    }),
  );
  return markdownTable([...CASE_COLUMNS, ...PROFILED.map((kind) => `${kind} CPU s, floor → ours`)], rows);
}

const COLORS: Record<string, string> = {
  up: "#1f77b4",
  "up, nothing to change": "#9467bd",
  refresh: "#2ca02c",
  destroy: "#d62728",
};

/** Ratios against N (log scale), one line per run and latency; dashed for a non-zero latency. */
export function ratioChart(results: CaseResult[]): string {
  const width = 640;
  const height = 360;
  const margin = { left: 56, right: 180, top: 24, bottom: 44 };
  const counts = [...new Set(results.map((r) => r.count))].sort((a, b) => a - b);
  const ratios = results.flatMap((r) => COMPARED.map((run) => ratio(r, run) ?? 1));
  const yMax = Math.max(1.2, ...ratios) * 1.05;
  const yMin = Math.min(0.9, ...ratios) * 0.95;
  const logMin = Math.log10(counts[0] ?? 1);
  const logMax = Math.log10(counts[counts.length - 1] ?? 10);
  const x = (n: number) =>
    margin.left +
    ((Math.log10(n) - logMin) / Math.max(logMax - logMin, 1e-9)) * (width - margin.left - margin.right);
  const y = (v: number) => margin.top + ((yMax - v) / (yMax - yMin)) * (height - margin.top - margin.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    "<title>Wall time of the ApiToken program over the engine floor, against the number of tokens</title>",
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="16" font-weight="bold">Wall time, ours / engine floor, against N</text>`,
  ];
  for (const n of counts) {
    parts.push(
      `<line x1="${x(n)}" y1="${margin.top}" x2="${x(n)}" y2="${height - margin.bottom}" stroke="#ddd"/>`,
      `<text x="${x(n)}" y="${height - margin.bottom + 16}" text-anchor="middle">${n}</text>`,
    );
  }
  for (let v = Math.ceil(yMin * 10) / 10; v <= yMax; v += 0.1) {
    const bold = Math.abs(v - 1) < 1e-9 || Math.abs(v - 1.1) < 1e-9;
    parts.push(
      `<line x1="${margin.left}" y1="${y(v)}" x2="${width - margin.right}" y2="${y(v)}" stroke="${bold ? "#888" : "#eee"}"${Math.abs(v - 1.1) < 1e-9 ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${margin.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<text x="${(margin.left + width - margin.right) / 2}" y="${height - 8}" text-anchor="middle">N (tokens, log scale)</text>`,
  );
  const latencies = [...new Set(results.map((r) => r.latencyMs))].sort((a, b) => a - b);
  let legend = margin.top + 8;
  for (const latency of latencies) {
    for (const run of COMPARED) {
      const points = results
        .filter((r) => r.latencyMs === latency)
        .sort((a, b) => a.count - b.count)
        .flatMap((r) => {
          const value = ratio(r, run);
          return value === undefined ? [] : [`${x(r.count).toFixed(1)},${y(value).toFixed(1)}`];
        });
      if (points.length === 0) continue;
      const dash = latency > 0 ? ' stroke-dasharray="6 4"' : "";
      const color = COLORS[run] ?? "#333";
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points.join(" ")}"/>`,
      );
      for (const point of points) {
        const [px, py] = point.split(",");
        parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${color}"/>`);
      }
      const lx = width - margin.right + 12;
      parts.push(
        `<line x1="${lx}" y1="${legend}" x2="${lx + 24}" y2="${legend}" stroke="${color}" stroke-width="2"${dash}/>`,
        `<text x="${lx + 30}" y="${legend + 4}">${run}, ${latency} ms</text>`,
      );
      legend += 18;
    }
  }
  parts.push("</svg>", "");
  return parts.join("\n");
}

const PROFILE_ROWS = 6;

/**
 * From the profiled runs: per compared run and process, the categories that cost ours the most
 * over the floor (self CPU milliseconds), then the total.
 */
export function profileTable(result: Pick<CaseResult, "floor" | "tokens">): string {
  const rows: string[][] = [];
  for (const run of COMPARED) {
    const floor = result.floor.get(run)?.profile;
    const ours = result.tokens.get(run)?.profile;
    if (!floor || !ours) continue;
    for (const kind of ["program", "provider host"] as const) {
      const categories = [...new Set([...floor[kind].keys(), ...ours[kind].keys()])];
      const cost = (category: string) => [floor[kind].get(category) ?? 0, ours[kind].get(category) ?? 0];
      const extra = (category: string) => {
        const [f = 0, o = 0] = cost(category);
        return o - f;
      };
      const top = categories.sort((a, b) => extra(b) - extra(a)).slice(0, PROFILE_ROWS);
      const sum = (summary: Map<string, number>) => [...summary.values()].reduce((a, b) => a + b, 0);
      const row = (label: string, f: number, o: number) => [
        run,
        kind,
        label,
        fixed(f, 0),
        fixed(o, 0),
        `${o >= f ? "+" : ""}${fixed(o - f, 0)}`,
      ];
      for (const category of top) {
        const [f = 0, o = 0] = cost(category);
        rows.push(row(category, f, o));
      }
      rows.push(row("**all**", sum(floor[kind]), sum(ours[kind])));
    }
  }
  return markdownTable(["run", "process", "code", "floor ms", "ours ms", "ours − floor"], rows);
}
