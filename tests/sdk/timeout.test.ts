/**
 * `timeoutMs` runs from the moment a request has a connection. Time queued behind other requests
 * for a free connection of the dispatcher, or spent connecting, does not count: a POST that never
 * left must never be reported as possibly minted. One-connection agents make the queue certain.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, buildConnector, errors } from "undici";
import { UthoConnectionError, UthoTimeoutError } from "../../sdk";
import { clientFor, requestLog, useEmulator, waitFor } from "../support/emulator";

/**
 * How long a "slow" fault holds the only connection: several times TIMEOUT_MS, which is itself
 * long enough that an event-loop stall on a loaded machine does not time out a request it lets through.
 */
const SLOW_MS = 1_500;
const TIMEOUT_MS = 500;

const emulator = useEmulator({ slowMs: SLOW_MS });

let agent: Agent;
beforeEach(() => {
  agent = new Agent({ connections: 1 });
});
afterEach(async () => {
  await agent.destroy();
});

/** Starts a listing that holds the agent's only connection for SLOW_MS (its own timeout is 2 s). */
function holdTheConnection(): Promise<unknown> {
  emulator.current.injectFault({ kind: "slow", method: "GET", path: "/v2/api" });
  return clientFor(emulator.current, { dispatcher: agent })
    .apiTokens.list()
    .catch((e: unknown) => e);
}

/** A client on the same one-connection agent whose timeout is shorter than the wait in the queue. */
function queuedClient(maxRetries?: number) {
  return clientFor(emulator.current, { dispatcher: agent, timeoutMs: TIMEOUT_MS, maxRetries });
}

describe("waiting for a free connection does not count against timeoutMs", () => {
  it("a GET queued behind a slow request completes, without a retry", async () => {
    const slow = holdTheConnection();
    await expect(queuedClient(0).account.info()).resolves.toMatchObject({});
    await slow;
    expect(requestLog(emulator.current)).toEqual(["GET /v2/api 200", "GET /v2/account/info 200"]);
  });

  it("a POST queued behind a slow request is sent once and mints once", async () => {
    const slow = holdTheConnection();
    await expect(queuedClient().apiTokens.create({ name: "ci", scope: "read" })).resolves.toEqual({
      token: expect.any(String),
    });
    await slow;
    expect(requestLog(emulator.current)).toEqual(["GET /v2/api 200", "POST /v2/api/generate 200"]);
    expect(emulator.current.listTokens()).toHaveLength(1);
  });

  it("a POST that stalls once sent still times out, may have committed, and is not retried", async () => {
    const slow = holdTheConnection();
    emulator.current.injectFault({ kind: "slow", method: "POST" });
    const error = await queuedClient()
      .apiTokens.create({ name: "ci", scope: "read" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UthoTimeoutError);
    expect(error).toMatchObject({ code: "UTHO_TIMEOUT", mayHaveCommitted: true });
    await slow;
    // It reached the emulator after the listing let go of the connection, and only once.
    await waitFor(() => emulator.current.countRequests("POST") > 0);
    expect(requestLog(emulator.current)).toEqual(["GET /v2/api 200", "POST /v2/api/generate reset"]);
    expect(emulator.current.listTokens()).toEqual([]);
  });

  it("a POST still queued when the dispatcher is destroyed was never sent", async () => {
    const slow = holdTheConnection();
    const created = queuedClient(0)
      .apiTokens.create({ name: "ci", scope: "read" })
      .catch((e: unknown) => e);
    // Longer than its timeoutMs in the queue, then the process gives up on every request.
    await sleep(TIMEOUT_MS + 50);
    await agent.destroy();
    const error = await created;
    expect(error).toBeInstanceOf(UthoConnectionError);
    expect(error).not.toBeInstanceOf(UthoTimeoutError);
    expect(error).toMatchObject({
      code: "UTHO_CONNECTION",
      mayHaveCommitted: false,
      message: expect.stringContaining("UND_ERR_DESTROYED"),
    });
    await slow;
    expect(emulator.current.countRequests("POST")).toBe(0);
  });
});

describe("connecting is bounded by the dispatcher's connect timeout, not timeoutMs", () => {
  it("a connect slower than timeoutMs does not use it up", async () => {
    const connect = buildConnector({});
    let connects = 0;
    const slowConnect = new Agent({
      connections: 1,
      connect: (options, callback) => {
        connects++;
        setTimeout(() => connect(options, callback), TIMEOUT_MS + 50);
      },
    });
    try {
      const utho = clientFor(emulator.current, { dispatcher: slowConnect, timeoutMs: TIMEOUT_MS });
      await expect(utho.apiTokens.create({ name: "ci", scope: "read" })).resolves.toEqual({
        token: expect.any(String),
      });
      expect(connects).toBe(1);
      expect(requestLog(emulator.current)).toEqual(["POST /v2/api/generate 200"]);
    } finally {
      await slowConnect.destroy();
    }
  });

  it("a connect timeout is 'not sent', so even a POST is retried", async () => {
    // undici's own connect timer runs on a coarse clock (about a second per tick); this connector
    // fails the way it does (ConnectTimeoutError, UND_ERR_CONNECT_TIMEOUT) within milliseconds.
    let connects = 0;
    const timingOut = new Agent({
      connections: 1,
      connect: (_options, callback) => {
        connects++;
        setTimeout(() => callback(new errors.ConnectTimeoutError(), null), 10);
      },
    });
    try {
      const utho = clientFor(emulator.current, { dispatcher: timingOut, maxRetries: 2 });
      const error = await utho.apiTokens.create({ name: "ci", scope: "read" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UthoConnectionError);
      expect(error).toMatchObject({
        mayHaveCommitted: false,
        message: expect.stringContaining("UND_ERR_CONNECT_TIMEOUT"),
      });
      expect(connects).toBe(3);
      expect(emulator.current.requests).toEqual([]);
    } finally {
      await timingOut.destroy();
    }
  });
});
