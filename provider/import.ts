/**
 * `pulumi import utho:index:ApiToken NAME ID` (and `opts.import`): a token made in the console
 * brought under management by its Utho id. Like a refresh, it observes and changes nothing in
 * Utho. Its name, scope and creation time come from Utho's listing; its secret cannot (Utho shows
 * it once), so the imported resource holds none until one is handed in with `adopt.token`.
 * The inputs given back (`name`, `scope`) are what the engine prints as the program to write,
 * and what previews with no changes.
 */
import type { ProviderContext } from "./context";
import { findToken } from "./settled-listings";
import type { ApiTokenOutputs } from "./types";

export interface ImportResult {
  id: string;
  props: ApiTokenOutputs;
  inputs: Pick<ApiTokenOutputs, "name" | "scope">;
}

/** Undefined when Utho has no such token (confirmed over the settle window). */
export async function importToken(ctx: ProviderContext, id: string): Promise<ImportResult | undefined> {
  const token = await findToken(ctx, id, `Utho's token list to show token ${id}, to import it`);
  if (!token) return undefined;
  const inputs = { name: token.name, scope: token.scope };
  const props: ApiTokenOutputs = {
    ...inputs,
    createdAt: token.createdAt,
    tokenId: id,
    accountId: await ctx.accountId(),
  };
  return { id, props, inputs };
}
