import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { FaultKind, FaultPlan } from "./faults";
import { BodyTooLargeError, errorReply, type Reply, readBody, send, waitWhileConnected } from "./http";
import { handleApiRequest } from "./routes";
import type { TokenStore } from "./store";

/** One served request. `status` is "reset" when the connection was dropped without a response. */
export interface RecordedRequest {
  method: string;
  /** URL path without the query string, e.g. "/v2/api". */
  path: string;
  status: number | "reset";
  fault?: FaultKind;
}

export interface PipelineOptions {
  store: TokenStore;
  faults: FaultPlan;
  latencyMs: number;
  slowMs: number;
  retryAfterSeconds: number;
  /** Called once per request, before the client can see the outcome. */
  record: (request: RecordedRequest, durationMs: number) => void;
}

/** Token names are short; anything bigger than this is not a Utho request. */
const MAX_BODY_BYTES = 64 * 1024;

/** Surfaces an unexpected failure on stderr (Node prints warnings there) without failing the process. */
function warn(error: unknown): void {
  process.emitWarning(`utho emulator: ${error instanceof Error ? error.message : String(error)}`);
}

/** The canned answer for faults that fail before the API is reached; undefined for the others. */
function failureReply(kind: FaultKind, retryAfterSeconds: number): Reply | undefined {
  switch (kind) {
    case "500":
      return errorReply(500, "Internal Server Error");
    case "503":
      return errorReply(503, "Service Unavailable");
    case "429":
      return errorReply(429, "Too Many Requests", { "retry-after": String(retryAfterSeconds) });
    case "bad-json":
      // What a proxy in front of the API serves when the upstream is down, with a misleading 200.
      return {
        status: 200,
        contentType: "text/html; charset=utf-8",
        body: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
      };
    case "status-error":
      return errorReply(200, "Something went wrong");
    default:
      return undefined;
  }
}

/**
 * Serves one request: read the body, choose a fault, wait out any latency, then either stage the fault
 * or let the API handle it. Faults that stand for a failing load balancer strike before authentication;
 * "lost-response" and "stale-list" need the real handler, so they shape its outcome instead.
 */
async function serve(options: PipelineOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const method = req.method ?? "GET";
  const path = (req.url ?? "/").split("?")[0];
  let fault: FaultKind | undefined;
  const record = (status: number | "reset"): void =>
    options.record({ method, path, status, ...(fault && { fault }) }, performance.now() - started);
  const reply = (answer: Reply): void => {
    record(answer.status);
    send(res, answer);
  };
  const drop = (): void => {
    record("reset");
    res.socket?.resetAndDestroy();
  };

  let body: string;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) return drop();
    return reply(errorReply(413, "Payload Too Large", { connection: "close" }));
  }

  fault = options.faults.pick(method, path);
  if (options.latencyMs > 0 && !(await waitWhileConnected(res, options.latencyMs))) return drop();
  if (fault === "reset") return drop();
  const failure = fault && failureReply(fault, options.retryAfterSeconds);
  if (failure) return reply(failure);
  // A client that timed out during a "slow" wait never sees an answer, so nothing may be committed.
  if (fault === "slow" && !(await waitWhileConnected(res, options.slowMs))) return drop();

  let answer: Reply;
  try {
    answer = handleApiRequest(options.store, {
      method,
      path,
      authorization: req.headers.authorization,
      body,
      staleList: fault === "stale-list",
    });
  } catch (error) {
    // The data file could not be written, so nothing was committed: say so like a real server, no details.
    warn(error);
    answer = errorReply(500, "Internal Server Error");
  }
  // The operation is committed; only the answer is lost on the way back.
  if (fault === "lost-response") return drop();
  reply(answer);
}

export function createRequestListener(options: PipelineOptions): RequestListener {
  return (req, res) => {
    // Every expected failure is answered inside `serve`; anything else is a bug, and dropping the
    // connection beats leaving the client hanging or crashing the emulator.
    serve(options, req, res).catch((error: unknown) => {
      warn(error);
      res.destroy();
    });
  };
}
