import { z } from "zod";
import { UthoInputError } from "../errors";
import { encodePathSegment } from "../path";
import { ruleProblem, type TokenScope, tokenIdSchema, tokenNameSchema, tokenScopeSchema } from "../rules";
import { createApiTokenSchema, listApiTokensSchema, toApiToken, type UthoApiToken } from "../schemas";
import { type HttpMethod, send, type TransportSettings } from "../transport";

export type { UthoApiToken };

export interface CreateApiTokenParams {
  /** Shown in the Utho console. The rule is `tokenNameSchema` (`sdk/rules.ts`). */
  name: string;
  /** "read" (Read-Only) or "write" (read, write and delete). */
  scope: TokenScope;
}

export interface CreatedApiToken {
  /** The secret. Utho shows it once; no endpoint returns it again. */
  token: string;
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
    return (body.api ?? []).map(toApiToken);
  }

  /**
   * Mints a token and returns its secret. The response has no id: find it with `list()`.
   * Retried only when Utho certainly did not act on it (429, connection refused): Utho has no
   * idempotency key, and a blind retry could mint a second secret.
   */
  async create(params: CreateApiTokenParams): Promise<CreatedApiToken> {
    const nameProblem = ruleProblem(tokenNameSchema, params?.name);
    if (nameProblem) throw new UthoInputError("name", nameProblem);
    const scopeProblem = ruleProblem(tokenScopeSchema, params.scope);
    if (scopeProblem) throw new UthoInputError("scope", scopeProblem);
    const body = await this.send("POST", "api/generate", createApiTokenSchema, {
      name: params.name,
      write: params.scope === "write" ? "1" : "0",
    });
    this.settings().secrets.add(body.apikey);
    return { token: body.apikey };
  }

  /** Revokes a token at once. Throws `UthoNotFoundError` if no token has this id. */
  async delete(id: string): Promise<void> {
    const idProblem = ruleProblem(tokenIdSchema, id);
    if (idProblem) throw new UthoInputError("id", idProblem);
    await this.send("DELETE", `api/${encodePathSegment(id)}/delete`, deleteResponseSchema);
  }
}
