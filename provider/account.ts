/**
 * Which Utho account a token belongs to. A token's id only means something in its account: if
 * the provider's key changes to another account, the token is simply not in that account's
 * list, and a refresh would take it for deleted (and the next `up` would mint a duplicate while
 * the original lives on). Outputs record the account; read and delete refuse to act across
 * accounts.
 */
import type { UthoClient } from "../sdk/client";
import { ApiTokenProviderError } from "./errors";

// One `account/info` call per client (that is, per key and base URL) for the process's life.
const accountIds = new WeakMap<UthoClient, Promise<string>>();

export function accountIdOf(client: UthoClient): Promise<string> {
  let id = accountIds.get(client);
  if (!id) {
    id = client.account.info().then((user) => String(user.id ?? ""));
    // A failed lookup is not remembered: the next operation asks again.
    id.catch(() => accountIds.delete(client));
    accountIds.set(client, id);
  }
  return id;
}

/** Throws unless the client's key belongs to the account that holds token `id`. */
export async function requireSameAccount(
  client: UthoClient,
  id: string,
  recorded: string | undefined,
  operation: string,
): Promise<void> {
  // State written before the account was recorded has none to compare with.
  if (!recorded) return;
  const current = await accountIdOf(client);
  if (current !== recorded) {
    throw new ApiTokenProviderError(
      `Cannot ${operation} token ${id}: it belongs to Utho account ${recorded}, but the provider's API key ` +
        `is for account ${current}. Set utho:apiKey (or UTHO_API_KEY) to a key of account ${recorded}.`,
    );
  }
}
