import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

/** A response ready to send: the handlers build these, and only the server writes them to a socket. */
export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: OutgoingHttpHeaders;
}

export function jsonReply(status: number, body: object, headers?: OutgoingHttpHeaders): Reply {
  return { status, contentType: "application/json; charset=utf-8", body: JSON.stringify(body), headers };
}

/** Utho's error shape. Callers must never put a credential in `message`. */
/**
 * Both error shapes Utho uses: `status`/`message`, and the `errors` list that Utho's Go client
 * decodes into its error value (`utho-go` ErrorResponse).
 */
export function errorReply(status: number, message: string, headers?: OutgoingHttpHeaders): Reply {
  return jsonReply(
    status,
    { status: "error", message, errors: [{ message, code: String(status) }] },
    headers,
  );
}

export function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    ...reply.headers,
    "content-type": reply.contentType,
    "content-length": Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

export class BodyTooLargeError extends Error {}

/** Reads the whole request body as UTF-8, refusing more than `limitBytes` so a client cannot exhaust memory. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners("data");
        req.pause();
        reject(new BodyTooLargeError(`request body exceeds ${limitBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
    // The client went away before the body ended; "end" will never come.
    req.on("close", () => {
      if (!req.complete) reject(new Error("request aborted"));
    });
  });
}

/**
 * Waits `ms`, or less if the connection closes first (the client gave up, or the emulator is shutting
 * down, which must not wait out a 30 s "slow" fault). Resolves true when the client is still there.
 */
export function waitWhileConnected(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    // Before the response is written, "close" on `res` can only mean the connection closed.
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off("close", onClose);
      resolve(res.socket !== null && !res.socket.destroyed);
    }, ms);
    res.once("close", onClose);
  });
}
