/**
 * Waits of 2 s or more are said aloud (the provider host's stderr is printed by `pulumi up`),
 * saying what they wait for; shorter ones are not. Nothing here sleeps: the waits are recorded.
 */
import { findToken } from "../../provider/settled-listings";
import { useEmulator } from "../support/emulator";
import { testProvider } from "../support/provider";

const emulator = useEmulator({ retryAfterSeconds: 3 });

function providerRecordingRetries(maxRetryAfterMs = 60_000) {
  const waits: number[] = [];
  const t = testProvider(emulator.current, {
    client: {
      retryDelays: {
        baseMs: 1,
        maxMs: 4,
        maxRetryAfterMs,
        random: () => 0.5,
        sleep: async (ms) => void waits.push(ms),
      },
    },
  });
  return { ...t, waits };
}

it("reports a Retry-After of 2 s or more, saying which call waits and why", async () => {
  const t = providerRecordingRetries();
  emulator.current.injectFault({ kind: "429", method: "GET", path: "/v2/api" });
  await t.context().client.apiTokens.list();
  expect(t.waits).toEqual([3000]);
  expect(t.reports).toEqual([
    "Utho API GET api failed with HTTP 429: Too Many Requests; retrying in 3.0 s, as Utho's Retry-After asks (rate limited for 3.0 s of at most 120.0 s)",
  ]);
});

it("reports a storm of short 429 waits once it adds up to 2 s, then every 10 s", async () => {
  const t = providerRecordingRetries(1_000);
  emulator.current.injectFault({ kind: "429", method: "GET", path: "/v2/api", times: 25 });
  await t.context().client.apiTokens.list();
  expect(t.waits).toEqual(Array(25).fill(1000));
  expect(t.reports.map((r) => /\(rate limited for ([\d.]+) s of at most 120\.0 s\)$/.exec(r)?.[1])).toEqual([
    "2.0",
    "10.0",
    "20.0",
  ]);
});

it("does not report a short backoff", async () => {
  const t = providerRecordingRetries();
  emulator.current.injectFault({ kind: "503", method: "GET", path: "/v2/api", times: 2 });
  await t.context().client.apiTokens.list();
  expect(t.waits).toHaveLength(2);
  expect(t.reports).toEqual([]);
});

it("reports a settle window once, as its wait of 2 s or more begins", async () => {
  const t = testProvider(emulator.current);
  expect(await findToken(t.context(), "999999", "the test's token")).toBeUndefined();
  expect(t.settle.waits).toEqual([7750]);
  expect(t.reports).toEqual(["waiting up to 7.8 s more for the test's token"]);
});

it("scrubs known secrets from what it reports", async () => {
  const t = providerRecordingRetries();
  await findToken(t.context(), "999999", `a token made with ${emulator.current.rootKey}`);
  expect(t.reports.join("\n")).not.toContain(emulator.current.rootKey);
  expect(t.reports).toEqual([expect.stringContaining("[REDACTED]")]);
});
