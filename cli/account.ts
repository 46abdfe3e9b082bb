/**
 * The Utho account a command works on: credentials from the stack's config (`utho:apiKey`,
 * `utho:baseUrl`), else the environment, as the provider itself takes them; and a resource's own
 * `connection` over those, field by field.
 */
import { createHash } from "node:crypto";
import { resolveCredentials } from "../provider/settings";
import { UthoClient } from "../sdk/client";
import { UthoConfigError } from "../sdk/errors";
import type { StackCredentials } from "./stack";
import type { Connection } from "./state";

export const MISSING_CREDENTIALS =
  "Missing Utho credentials: set the stack's config with `pulumi config set --secret utho:apiKey <key>`, " +
  "or the UTHO_API_KEY (or UTHO_TOKEN) environment variable.";

export interface Account {
  client: UthoClient;
  /** Tells two sets of credentials apart without holding the key. */
  key: string;
}

/** The account of `stack`'s credentials, or of `connection` over them. */
export function accountFor(stack: StackCredentials, connection?: Connection): Account {
  const { apiKey, apiKeySource, baseUrl } = resolveCredentials(connection, stack);
  if (!apiKey) throw new UthoConfigError(MISSING_CREDENTIALS);
  const key = createHash("sha256")
    .update(`${apiKey}\u0000${baseUrl ?? ""}`)
    .digest("hex");
  return { client: new UthoClient({ apiKey, apiKeySource, baseUrl }), key };
}
