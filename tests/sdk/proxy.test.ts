/**
 * The default dispatcher honours HTTP(S)_PROXY (undici EnvHttpProxyAgent): each client makes its
 * own when it is constructed, reading the variables then.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { UthoClient } from "../../sdk";
import { useEmulator } from "../support/emulator";

const emulator = useEmulator();
let proxy: Server;
const tunnels: string[] = [];

beforeAll(async () => {
  // A CONNECT proxy that records each tunnel's target.
  proxy = createServer();
  proxy.on("connect", (req, clientSocket, head) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      clientSocket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.on("error", () => clientSocket.destroy());
    clientSocket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
});

it("sends requests through HTTP_PROXY", async () => {
  const saved = { ...process.env };
  try {
    process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const target = new URL(emulator.current.baseUrl).host;
    const utho = new UthoClient({ apiKey: emulator.current.rootKey, baseUrl: emulator.current.baseUrl });
    await expect(utho.apiTokens.list()).resolves.toEqual([]);
    expect(tunnels).toEqual([target]);
    await utho.close();
  } finally {
    process.env = saved;
  }
});
