/**
 * Each UthoClient owns its connections and its secrets, and can be closed: two clients share
 * nothing, a closed client sends nothing and its sockets close, and clients made and closed one
 * after another leave nothing behind. Sockets are counted at a TCP pass-through in front of the
 * emulator, as the server sees them.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { Agent } from "undici";
import { UthoClient } from "../../sdk";
import { clientFor, useEmulator, waitFor } from "../support/emulator";

const emulator = useEmulator();

/** A TCP pass-through to the emulator that counts the connections open through it. */
async function countingPassThrough(): Promise<{
  baseUrl: string;
  open: () => number;
  close: () => Promise<void>;
}> {
  const target = new URL(emulator.current.baseUrl);
  const sockets = new Set<Socket>();
  const server: Server = createServer((incoming) => {
    sockets.add(incoming);
    const upstream = connect(Number(target.port), target.hostname);
    incoming.pipe(upstream).pipe(incoming);
    const end = () => {
      sockets.delete(incoming);
      incoming.destroy();
      upstream.destroy();
    };
    incoming.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("a client's secrets", () => {
  it("are its own: a token one client minted is not known to another", async () => {
    const one = clientFor(emulator.current);
    const other = clientFor(emulator.current);
    const { token } = await one.apiTokens.create({ name: "ci-one", scope: "read" });
    expect(one.secrets.redactKnown(`got ${token}`)).toBe("got [REDACTED]");
    expect(other.secrets.redactKnown(`got ${token}`)).toBe(`got ${token}`);
    // Each knows its own key, and the one knows the token it minted.
    expect([one.secrets.size, other.secrets.size]).toEqual([2, 1]);
    await Promise.all([one.close(), other.close()]);
  });

  it("are shared with a client made by withOptions", async () => {
    const utho = clientFor(emulator.current);
    const { token } = await utho.apiTokens.create({ name: "ci-shared", scope: "read" });
    const asToken = utho.withOptions({ apiKey: token });
    expect(asToken.secrets).toBe(utho.secrets);
    await utho.close();
  });
});

describe("close()", () => {
  it("makes every later request fail at once, naming the closed client, and is idempotent", async () => {
    const utho = clientFor(emulator.current);
    await utho.apiTokens.list();
    const closing = utho.close();
    expect(utho.close()).toBe(closing);
    await closing;
    expect(utho.closed).toBe(true);
    const before = emulator.current.countRequests();
    for (const request of [() => utho.apiTokens.list(), () => utho.account.info()]) {
      await expect(request()).rejects.toMatchObject({
        name: "UthoError",
        code: "UTHO_CLOSED",
        message: expect.stringMatching(/UthoClient was closed/),
      });
    }
    expect(emulator.current.countRequests()).toBe(before);
  });

  it("closes the client's own sockets", async () => {
    const pass = await countingPassThrough();
    try {
      const utho = new UthoClient({ apiKey: emulator.current.rootKey, baseUrl: pass.baseUrl });
      await Promise.all([utho.apiTokens.list(), utho.account.info()]);
      // Keep-alive: the connections stay open after their responses...
      expect(pass.open()).toBeGreaterThanOrEqual(1);
      await utho.close();
      // ...until the client is closed.
      await waitFor(() => pass.open() === 0);
    } finally {
      await pass.close();
    }
  });

  it("leaves a dispatcher the caller passed open, and closing a withOptions client leaves its parent open", async () => {
    const agent = new Agent();
    try {
      const utho = clientFor(emulator.current, { dispatcher: agent });
      await utho.close();
      expect(agent.closed).toBe(false);
    } finally {
      await agent.close();
    }
    const parent = clientFor(emulator.current);
    const child = parent.withOptions({ maxRetries: 0 });
    await child.close();
    await expect(parent.apiTokens.list()).resolves.toEqual([]);
    await expect(child.apiTokens.list()).rejects.toMatchObject({ code: "UTHO_CLOSED" });
    // Closing the parent closes what it shares with the child made from it.
    const another = parent.withOptions({});
    await parent.close();
    await expect(another.apiTokens.list()).rejects.toMatchObject({ code: "UTHO_CLOSED" });
  });
});

it("clients made, used and closed one after another leave no socket open and no secret behind", async () => {
  const pass = await countingPassThrough();
  try {
    const tokens: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      const utho = new UthoClient({ apiKey: emulator.current.rootKey, baseUrl: pass.baseUrl });
      tokens.push((await utho.apiTokens.create({ name: `ci-${i}`, scope: "read" })).token);
      await utho.close();
      await waitFor(() => pass.open() === 0);
    }
    // A new client knows its own key only: the tokens the others minted went with them.
    const fresh = new UthoClient({ apiKey: emulator.current.rootKey, baseUrl: pass.baseUrl });
    expect(fresh.secrets.size).toBe(1);
    expect(tokens.filter((token) => fresh.secrets.redactKnown(token) !== token)).toEqual([]);
    await fresh.close();
  } finally {
    await pass.close();
  }
});
