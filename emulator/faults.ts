import { z } from "zod";
import { UthoInputError } from "../sdk/errors";
import { LIST_PATH } from "./routes";
import { parseInput } from "./validation";

/** Every failure the emulator can stage, each one a way the real Utho API (or what sits in front of it) fails. */
export const FAULT_KINDS = [
  "500",
  "503",
  "429",
  "reset",
  "lost-response",
  "slow",
  "bad-json",
  "status-error",
  "stale-list",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Kinds drawn at random unless the caller chooses: "slow" would stall a run for `slowMs`, and
 * "stale-list" only makes sense when a test is looking for eventual consistency on purpose.
 */
export const DEFAULT_RANDOM_FAULTS: readonly FaultKind[] = FAULT_KINDS.filter(
  (kind) => kind !== "slow" && kind !== "stale-list",
);

const KNOWN_KINDS = `(${FAULT_KINDS.join(", ")})`;

const shown = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : String(value));

/** One fault kind, as `injectFault` takes it. */
export const faultKindSchema = z.enum(FAULT_KINDS, {
  error: (issue) => `must be a fault kind ${KNOWN_KINDS}; ${shown(issue.input)} is not one`,
});

/** A list of fault kinds, as the `faults` option takes it. */
export const faultKindsSchema = z.array(
  z.enum(FAULT_KINDS, {
    error: (issue) => `must be a list of fault kinds ${KNOWN_KINDS}; ${shown(issue.input)} is not one`,
  }),
  `must be a list of fault kinds ${KNOWN_KINDS}`,
);

/** A deterministic fault: the next `times` (default 1) requests matching `method` and `path` get `kind`. */
export interface FaultRule {
  kind: FaultKind;
  /** HTTP method, any case; every method when omitted. */
  method?: string;
  /** Exact path such as "/v2/api", or a pattern tested against the path; every path when omitted. */
  path?: string | RegExp;
  /** How many matching requests the rule applies to; `Infinity` keeps it forever. @default 1 */
  times?: number;
}

interface ActiveRule {
  kind: FaultKind;
  method: string | undefined;
  path: string | RegExp | undefined;
  remaining: number;
}

export interface FaultPlanOptions {
  /** Probability per request of a random fault, 0..1. */
  rate: number;
  /** Kinds eligible for the random draw. */
  kinds: readonly FaultKind[];
  random: () => number;
}

/** Only a listing can be stale; every other kind can strike any request. */
function appliesTo(kind: FaultKind, method: string, path: string): boolean {
  return kind !== "stale-list" || (method === "GET" && path === LIST_PATH);
}

function ruleMatches(rule: ActiveRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method !== method) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === "string" ? rule.path === path : rule.path.test(path);
}

/** Decides which fault, if any, strikes each request: injected rules first, then a random draw. */
export class FaultPlan {
  private rules: ActiveRule[] = [];

  constructor(private readonly options: FaultPlanOptions) {}

  /** Adds a rule; an unknown `kind` or a bad `times` is a {@link UthoInputError} naming that field. */
  inject(rule: FaultRule): void {
    const kind = parseInput("kind", faultKindSchema, rule.kind);
    const times = rule.times ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times > 0))) {
      throw new UthoInputError("times", `must be a positive integer or Infinity; ${shown(times)} is not`);
    }
    this.rules.push({
      kind,
      method: rule.method?.toUpperCase(),
      path: rule.path,
      remaining: times,
    });
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The fault for one request. A random draw uses one call to `random()` to decide whether a fault
   * strikes and, when it does, a second to choose the kind, so a scripted RNG gives a known sequence.
   */
  pick(method: string, path: string): FaultKind | undefined {
    const rule = this.rules.find((r) => ruleMatches(r, method, path) && appliesTo(r.kind, method, path));
    if (rule) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      return rule.kind;
    }
    const { rate, kinds, random } = this.options;
    const eligible = kinds.filter((kind) => appliesTo(kind, method, path));
    if (rate <= 0 || eligible.length === 0 || random() >= rate) return undefined;
    return eligible[Math.min(eligible.length - 1, Math.floor(random() * eligible.length))];
  }
}
