import type { TokenScope } from "../sdk/rules";
import { errorReply, jsonReply, type Reply } from "./http";
import type { TokenStore } from "./store";
import { checkCreateBody } from "./validation";

export const LIST_PATH = "/v2/api";
const GENERATE_PATH = "/v2/api/generate";
const DELETE_PATH = /^\/v2\/api\/([^/]+)\/delete$/;
const ACCOUNT_PATH = "/v2/account/info";

/** What the handlers need from one HTTP request, already read off the socket. */
export interface ApiRequest {
  method: string;
  /** URL path without the query string. */
  path: string;
  authorization: string | undefined;
  body: string;
  /** Answer a listing as a lagging replica would (the "stale-list" fault). */
  staleList: boolean;
}

interface Route {
  method: string;
  /** Path parameters when the path matches, undefined otherwise. */
  match: (path: string) => string[] | undefined;
  /** Read-Only tokens may only read. */
  needsWrite: boolean;
  handle: (store: TokenStore, request: ApiRequest, params: string[]) => Reply;
}

/**
 * The account behind every key. Numbers stay numbers where Utho's Go client decodes them into float64
 * (`credit` and friends), and everything else is a string, as in that client's `User` struct.
 */
const ACCOUNT_USER = {
  type: "Individual",
  fullname: "Utho Emulator",
  company: "Local Emulator",
  email: "emulator@example.com",
  country: "India",
  currency: "inr",
  currencyprefix: "₹",
  credit: 100,
  availablecredit: 100,
  freecredit: 0,
  currentusages: 0,
  kyc: "1",
  email_verified: "1",
  sms_verified: "1",
  twofa: "0",
  total_cloudservers: "0",
  resources: [],
  c_added: "2024-03-07 17:25:05",
};

const exact =
  (expected: string) =>
  (path: string): string[] | undefined =>
    path === expected ? [] : undefined;

const pattern =
  (regex: RegExp) =>
  (path: string): string[] | undefined =>
    regex.exec(path)?.slice(1);

function writeFlag(scope: TokenScope): "0" | "1" {
  return scope === "write" ? "1" : "0";
}

function listTokens(store: TokenStore, request: ApiRequest): Reply {
  const api = store.list({ lagging: request.staleList }).map((token) => ({
    id: token.id,
    name: token.name,
    write: writeFlag(token.scope),
    created_at: token.createdAt,
  }));
  return jsonReply(200, { status: "success", api });
}

function generateToken(store: TokenStore, request: ApiRequest): Reply {
  let body: unknown;
  try {
    // An empty body is an empty form, so the error names the first missing field rather than the syntax.
    body = request.body.trim() === "" ? {} : JSON.parse(request.body);
  } catch {
    return errorReply(400, "request body is not valid JSON");
  }
  const checked = checkCreateBody(body);
  if (!checked.ok) return errorReply(checked.status, checked.message);
  const { secret } = store.create(checked.value.name, checked.value.scope);
  return jsonReply(200, { status: "success", apikey: secret, message: "New API has been created" });
}

function deleteToken(store: TokenStore, _request: ApiRequest, [rawId]: string[]): Reply {
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    return errorReply(404, "API key not found");
  }
  if (!store.delete(id)) return errorReply(404, "API key not found");
  return jsonReply(200, { status: "success", message: "API key deleted" });
}

function accountInfo(store: TokenStore): Reply {
  return jsonReply(200, { status: "success", user: { id: store.accountId, ...ACCOUNT_USER } });
}

const ROUTES: Route[] = [
  { method: "GET", match: exact(LIST_PATH), needsWrite: false, handle: listTokens },
  { method: "POST", match: exact(GENERATE_PATH), needsWrite: true, handle: generateToken },
  { method: "DELETE", match: pattern(DELETE_PATH), needsWrite: true, handle: deleteToken },
  { method: "GET", match: exact(ACCOUNT_PATH), needsWrite: false, handle: accountInfo },
];

/** The key from `Authorization: Bearer <key>`; the scheme is case-insensitive (RFC 9110). */
function bearerKey(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+)$/i.exec(authorization ?? "")?.[1];
}

/**
 * Answers one API request: route (404, 405), then authenticate (401), then authorise the scope (403),
 * then validate and act. The reply never repeats the presented key.
 */
export function handleApiRequest(store: TokenStore, request: ApiRequest): Reply {
  const candidates = ROUTES.flatMap((route) => {
    const params = route.match(request.path);
    return params ? [{ route, params }] : [];
  });
  if (candidates.length === 0) return errorReply(404, "Not Found");
  const found = candidates.find(({ route }) => route.method === request.method);
  if (!found) {
    const allow = candidates.map(({ route }) => route.method).join(", ");
    return errorReply(405, "Method Not Allowed", { allow });
  }

  const key = bearerKey(request.authorization);
  const scope = key === undefined ? undefined : store.authenticate(key);
  if (!scope) return errorReply(401, "Unauthorized", { "www-authenticate": "Bearer" });
  if (found.route.needsWrite && scope === "read") {
    return errorReply(403, "Forbidden: this API key is Read-Only and cannot create or delete");
  }
  return found.route.handle(store, request, found.params);
}
