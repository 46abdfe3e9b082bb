/**
 * Where a run's CPU time goes, from V8's own sampling profiler: the bench runs a case once more
 * with `NODE_OPTIONS=--cpu-prof` (every Node.js process of the run, the program and the provider
 * host, writes a `.cpuprofile` when it exits) and this module sums each profile's self time by
 * what the sampled code belongs to: a package in `node_modules`, Node's module loader, the rest
 * of Node's internals, the garbage collector. A ratio that misses its goal is then explained by
 * the packages whose time the floor does not pay.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  /** Microseconds between consecutive samples. */
  timeDeltas: number[];
}

/** The process a profile came from, by the entry script its code shows. */
export type ProfiledProcess = "program" | "provider host";

/** Self milliseconds by category, per process. */
export type ProfileSummary = Record<ProfiledProcess, Map<string, number>>;

const GC = "(garbage collector)";
const IDLE = "(idle)";

/** What one sampled function belongs to. */
export function categoryOf(frame: CpuProfileNode["callFrame"]): string | undefined {
  const { url, functionName } = frame;
  if (functionName === IDLE) return undefined;
  if (functionName === GC) return "garbage collector";
  if (!url) return "V8 and native code";
  const packageAt = url.lastIndexOf("/node_modules/");
  if (packageAt >= 0) {
    const [first, second] = url.slice(packageAt + "/node_modules/".length).split("/");
    return first?.startsWith("@") ? `${first}/${second}` : (first ?? url);
  }
  if (url.startsWith("node:internal/modules")) return "Node.js module loader";
  if (url.startsWith("node:")) return "Node.js internals";
  return path.basename(url);
}

function processOf(profile: CpuProfile): ProfiledProcess | undefined {
  const urls = profile.nodes.map((n) => n.callFrame.url);
  if (urls.some((url) => url.includes("cmd/dynamic-provider"))) return "provider host";
  if (urls.some((url) => url.includes("cmd/run"))) return "program";
  return undefined;
}

function selfTimes(profile: CpuProfile, into: Map<string, number>): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const category = node && categoryOf(node.callFrame);
    if (!category) return;
    into.set(category, (into.get(category) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
}

/** Sums every `.cpuprofile` in `dir` by process and category. */
export function summarizeProfiles(dir: string): ProfileSummary {
  const summary: ProfileSummary = { program: new Map(), "provider host": new Map() };
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
    const kind = processOf(profile);
    if (kind) selfTimes(profile, summary[kind]);
  }
  return summary;
}
