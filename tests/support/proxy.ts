/**
 * A pass-through HTTP proxy in front of an emulator, for tests that must see or hold requests
 * on their way (a gate that lines up two stacks' listings, a hold that keeps a run in flight).
 * `before` is awaited for each request before it is forwarded; a failure of the emulator (a
 * dropped connection) is passed on as one.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedRequest {
  method: string;
  /** The path under `/v2/`, e.g. "api" or "api/generate". */
  path: string;
  body: Buffer | undefined;
}

export interface ForwardingProxy {
  baseUrl: string;
  close(): Promise<void>;
}

export async function startForwardingProxy(
  target: string,
  before: (request: ProxiedRequest) => Promise<void> | void,
): Promise<ForwardingProxy> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: ProxiedRequest = {
      method: req.method ?? "GET",
      path: (req.url ?? "/").replace(/^\/v2\//, ""),
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    };
    await before(request);
    try {
      const answer = await fetch(new URL(request.path, `${target}/`), {
        method: request.method,
        headers: { authorization: req.headers.authorization ?? "", "content-type": "application/json" },
        body: request.body,
      });
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "retry-after"]) {
        const value = answer.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      res.writeHead(answer.status, headers).end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.socket?.resetAndDestroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
