/**
 * Provider test helpers: a configured provider pointed at an emulator, with the production
 * settle window's shape (as many listings, the same figures in messages) but waits that take
 * no time, millisecond retry delays, and progress messages captured instead of printed.
 */
import type { RunningEmulator } from "../../emulator";
import { ConfiguredProvider, type ProviderOptions } from "../../provider/configured";
import { ProviderContext } from "../../provider/context";
import { SETTLE_DELAYS_MS, type SettleTiming } from "../../provider/settle";
import type { UthoClient } from "../../sdk";
import { FAST_RETRY_DELAYS } from "./emulator";

export interface TestTiming extends SettleTiming {
  /** Every wait asked for, in order. */
  waits: number[];
  /** Moves the virtual clock, as time passing between operations would. */
  advance(ms: number): void;
}

/** The production window's delays on a virtual clock: each wait is recorded and advances it at once. */
export function instantSettle(): TestTiming {
  const waits: number[] = [];
  let clock = 0;
  return {
    delaysMs: SETTLE_DELAYS_MS,
    waits,
    now: () => clock,
    advance: (ms) => {
      clock += ms;
    },
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
  };
}

export interface TestProvider {
  provider: ConfiguredProvider;
  /** The context of the provider's own credentials. */
  context(): ProviderContext;
  reports: string[];
  settle: TestTiming;
}

export function testProvider(emulator: RunningEmulator, options: ProviderOptions = {}): TestProvider {
  const reports: string[] = [];
  const settle = instantSettle();
  const provider = new ConfiguredProvider({
    apiKey: emulator.rootKey,
    baseUrl: emulator.baseUrl,
    client: { timeoutMs: 2_000, retryDelays: FAST_RETRY_DELAYS },
    settle,
    report: (message) => reports.push(message),
    ...options,
  });
  return { provider, context: () => provider.contextFor(), reports, settle };
}

/** A context around a client the test made (and may have instrumented). */
export function contextAround(client: UthoClient): {
  context: ProviderContext;
  reports: string[];
  settle: TestTiming;
} {
  const reports: string[] = [];
  const settle = instantSettle();
  return { context: new ProviderContext(client, settle, (m) => reports.push(m)), reports, settle };
}
