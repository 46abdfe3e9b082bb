/** Test helpers: a real emulator on port 0 and SDK clients pointed at it with millisecond delays. */
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../emulator";
import { UthoClient, type UthoClientOptions } from "../../sdk";

/** Delays small enough that retry tests finish in milliseconds, large enough to be real waits. */
export const FAST_RETRY_DELAYS = {
  baseMs: 1,
  maxMs: 4,
  maxRetryAfterMs: 5,
  // Three 429s fit in it, as the production budget fits a long storm.
  rateLimitBudgetMs: 15,
  random: () => 0.5,
};

export function clientFor(emulator: RunningEmulator, options: UthoClientOptions = {}): UthoClient {
  return new UthoClient({
    apiKey: emulator.rootKey,
    baseUrl: emulator.baseUrl,
    timeoutMs: 2_000,
    retryDelays: FAST_RETRY_DELAYS,
    ...options,
  });
}

/** Starts an emulator before each test of the calling `describe` and closes it after. */
export function useEmulator(options: EmulatorOptions = {}): { readonly current: RunningEmulator } {
  const holder: { current?: RunningEmulator } = {};
  beforeEach(async () => {
    holder.current = await startEmulator(options);
  });
  afterEach(async () => {
    await holder.current?.close();
    holder.current = undefined;
  });
  return {
    get current(): RunningEmulator {
      if (!holder.current) throw new Error("emulator not started");
      return holder.current;
    },
  };
}

/** "METHOD path status" for each served request, the shape retry tests assert on. */
export function requestLog(emulator: RunningEmulator): string[] {
  return emulator.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
}

/** Polls until `condition` holds, for server-side effects that land after the client gave up. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("waitFor: condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether `secret` is a working credential for the emulator right now. */
export async function authenticates(emulator: RunningEmulator, secret: string | undefined): Promise<boolean> {
  return clientFor(emulator, { apiKey: secret })
    .account.info()
    .then(() => true)
    .catch(() => false);
}
