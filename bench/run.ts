/**
 * `npm run bench`: figures for the SDK and the provider's mint logic against the emulator on
 * loopback. Bounded in count, prints a table, asserts nothing (tests never time anything).
 *
 * 1. list throughput and latency, sequential and 16 in flight;
 * 2. mint (list, POST, list to find the id) latency and requests per token;
 * 3. mint under random faults (20 % of requests: 500, 503, 429, reset, lost-response,
 *    bad-json, status-error): how many succeed, how many requests they take, and how many
 *    tokens are left in Utho that no caller knows about (must be 0).
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startEmulator } from "../emulator";
import { ConfiguredProvider } from "../provider/configured";
import { mintToken } from "../provider/mint";
import { formatTable } from "../scripts/table";
import { UthoClient } from "../sdk";

const FAST_DELAYS = { baseMs: 5, maxMs: 50, maxRetryAfterMs: 50 };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function timed<T>(samples: number[], fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    samples.push(performance.now() - start);
  }
}

function summary(label: string, samples: number[], wallMs: number, extra = ""): string[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [
    label,
    String(samples.length),
    ((samples.length / wallMs) * 1000).toFixed(0),
    percentile(sorted, 50).toFixed(2),
    percentile(sorted, 99).toFixed(2),
    extra,
  ];
}

async function benchList(rows: string[][]): Promise<void> {
  const emulator = await startEmulator();
  const utho = new UthoClient({ apiKey: emulator.rootKey, baseUrl: emulator.baseUrl });
  for (let i = 0; i < 50; i++) emulator.createTokenOutOfBand(`token-${i}`, i % 2 ? "read" : "write");

  const sequential: number[] = [];
  let start = performance.now();
  for (let i = 0; i < 2000; i++) await timed(sequential, () => utho.apiTokens.list());
  rows.push(summary("list (50 tokens), sequential", sequential, performance.now() - start));

  const parallel: number[] = [];
  start = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = 0; i < 250; i++) await timed(parallel, () => utho.apiTokens.list());
    }),
  );
  rows.push(summary("list (50 tokens), 16 in flight", parallel, performance.now() - start));
  await emulator.close();
}

async function benchMint(rows: string[][], faultRate: number): Promise<void> {
  const emulator = await startEmulator({ faultRate, retryAfterSeconds: 0 });
  // Four millisecond waits in the settle window instead of the real five of up to 4 s.
  const provider = new ConfiguredProvider({
    apiKey: emulator.rootKey,
    baseUrl: emulator.baseUrl,
    client: { timeoutMs: 2_000, retryDelays: FAST_DELAYS },
    settle: {
      delaysMs: [5, 10, 20, 40],
      sleep: (ms, signal) => sleep(ms, undefined, { signal }),
      now: () => performance.now(),
    },
    report: () => {},
  });
  const context = provider.contextFor();
  const samples: number[] = [];
  const owned = new Set<string>();
  let failures = 0;
  const start = performance.now();
  for (let i = 0; i < 200; i++) {
    try {
      const minted = await timed(samples, () => mintToken(context, { name: `bench-${i}`, scope: "read" }));
      owned.add(minted.id);
    } catch {
      failures++;
    }
  }
  const wall = performance.now() - start;
  const orphans = emulator.listTokens().filter((t) => !owned.has(t.id)).length;
  const perToken = (emulator.countRequests() / 200).toFixed(2);
  const label = faultRate === 0 ? "mint, no faults" : `mint, ${faultRate * 100} % of requests faulty`;
  rows.push(summary(label, samples, wall, `${failures} failed, ${perToken} req/token, orphans: ${orphans}`));
  await emulator.close();
}

async function main(): Promise<void> {
  const rows = [["operation", "count", "ops/s", "p50 ms", "p99 ms", "notes"]];
  await benchList(rows);
  await benchMint(rows, 0);
  await benchMint(rows, 0.2);
  // Figures (count, ops/s, p50, p99) right-aligned; the operation and the notes left-aligned.
  console.log(formatTable(rows, { alignRight: [1, 2, 3, 4] }));
  console.log(`\nNode ${process.version}, loopback, one emulator in the same process.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
