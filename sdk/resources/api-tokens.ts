import { z } from "zod";
import { UthoInputError } from "../errors";
import { encodePathSegment } from "../path";
import { registerSecret } from "../redact";
import { type apiTokenSchema, createApiTokenSchema, listApiTokensSchema, type TokenScope } from "../schemas";
import { type HttpMethod, send, type TransportSettings } from "../transport";

export type UthoApiToken = z.output<typeof apiTokenSchema>;

export interface CreateApiTokenParams {
  /** Shown in the Utho console. 1-64 characters, no control characters. */
  name: string;
  /** "read" (Read-Only) or "write" (read, write and delete). */
  scope: TokenScope;
}

export interface CreatedApiToken {
  /** The secret. Utho shows it once; no endpoint returns it again. */
  token: string;
}

export const TOKEN_NAME_MAX_LENGTH = 64;

/** C0 controls and DEL: invisible in the console and unsafe in logs. */
export function isControlCharacter(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** The rule for token names, shared by the SDK and the Pulumi provider. Returns the broken rule. */
export function tokenNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "must be a string";
  if (name.trim() === "") return "must not be empty or only whitespace";
  // Utho may trim names; a trimmed name would then never match when the id is looked up.
  if (name.trim() !== name) return "must not start or end with whitespace";
  if (name.length > TOKEN_NAME_MAX_LENGTH) return `must be at most ${TOKEN_NAME_MAX_LENGTH} characters`;
  if ([...name].some(isControlCharacter)) return "must not contain control characters";
  return undefined;
}

export function tokenIdProblem(id: unknown): string | undefined {
  return typeof id === "string" && /^[0-9A-Za-z_-]+$/.test(id)
    ? undefined
    : "must be a non-empty token id (letters, digits, '-' or '_')";
}

export function tokenScopeProblem(scope: unknown): string | undefined {
  return scope === "read" || scope === "write" ? undefined : 'must be "read" or "write"';
}

const deleteResponseSchema = z.object({}).loose();

/** `client.apiTokens`: list, create and delete Utho API tokens. */
export class ApiTokens {
  constructor(private readonly settings: () => TransportSettings) {}

  private send<S extends z.ZodType>(method: HttpMethod, path: string, schema: S, body?: unknown) {
    return send(this.settings(), method, path, schema, body);
  }

  /** Every token of the account. Secrets are never listed. */
  async list(): Promise<UthoApiToken[]> {
    const body = await this.send("GET", "api", listApiTokensSchema);
    return body.api ?? [];
  }

  /**
   * Mints a token and returns its secret. The response has no id: find it with `list()`.
   * Retried only when Utho certainly did not act on it (429, connection refused): Utho has no
   * idempotency key, and a blind retry could mint a second secret.
   */
  async create(params: CreateApiTokenParams): Promise<CreatedApiToken> {
    const nameProblem = tokenNameProblem(params?.name);
    if (nameProblem) throw new UthoInputError("name", nameProblem);
    const scopeProblem = tokenScopeProblem(params.scope);
    if (scopeProblem) throw new UthoInputError("scope", scopeProblem);
    const body = await this.send("POST", "api/generate", createApiTokenSchema, {
      name: params.name,
      write: params.scope === "write" ? "1" : "0",
    });
    registerSecret(body.apikey);
    return { token: body.apikey };
  }

  /** Revokes a token at once. Throws `UthoNotFoundError` if no token has this id. */
  async delete(id: string): Promise<void> {
    const idProblem = tokenIdProblem(id);
    if (idProblem) throw new UthoInputError("id", idProblem);
    await this.send("DELETE", `api/${encodePathSegment(id)}/delete`, deleteResponseSchema);
  }
}
