/**
 * Verification of a new token: its secret must authenticate (`account/info`) before create
 * returns, so a pipeline never hands out a token that does not work yet. Utho may take a moment
 * to accept a new key, so a refusal is asked again over the settle window; a token that is still
 * refused after it is revoked (its id is known by then) and the create fails. If that revocation
 * fails too, {@link MintedButUnfinished} hands the token to the caller, to be kept in the state.
 */
import { UthoAuthError } from "../sdk/errors";
import type { ProviderContext } from "./context";
import { ApiTokenProviderError, describeError, MintedButUnfinished } from "./errors";
import { type MintedToken, mintToken } from "./mint";
import { revokeToken } from "./revoke";
import type { ApiTokenInputs } from "./types";

/** A new token for `inputs`, whose secret authenticates unless `verify` is false. */
export async function mintVerified(ctx: ProviderContext, inputs: ApiTokenInputs): Promise<MintedToken> {
  const minted = await mintToken(ctx, inputs);
  if (inputs.verify !== false) await verifyMinted(ctx, inputs.name, minted);
  return minted;
}

/**
 * Asks `account/info` with the token's secret over the settle window: undefined once it is
 * accepted, or when an answer says nothing of the key (5xx after the SDK's retries, a timeout:
 * the token is kept, as the mint succeeded and the listing shows it); else the last refusal.
 */
export async function refusalOf(ctx: ProviderContext, name: string, minted: MintedToken): Promise<unknown> {
  const asToken = ctx.client.withOptions({ apiKey: minted.token });
  let refusal: unknown;
  for (const delay of [0, ...ctx.settle.delaysMs]) {
    if (delay > 0) await ctx.settle.sleep(delay);
    try {
      await asToken.account.info();
      return undefined;
    } catch (error) {
      if (!(error instanceof UthoAuthError)) {
        ctx.report(
          `could not verify the new token "${name}" (id ${minted.id}): ${describeError(error)}; it is kept`,
        );
        return undefined;
      }
      refusal = error;
    }
  }
  return refusal;
}

export async function verifyMinted(ctx: ProviderContext, name: string, minted: MintedToken): Promise<void> {
  const refusal = await refusalOf(ctx, name, minted);
  if (refusal === undefined) return;
  const refused =
    `Token "${name}" (id ${minted.id}) was minted, but its secret did not authenticate within ` +
    `${ctx.settleSeconds} s (${describeError(refusal)})`;
  await revokeToken(ctx, minted.id, undefined).catch((failure: unknown) => {
    throw new MintedButUnfinished(
      `${refused}, and revoking it failed too (${describeError(failure)}).`,
      minted,
      {
        cause: failure,
      },
    );
  });
  throw new ApiTokenProviderError(
    `${refused}, so it was revoked. Run again; if this persists, Utho is not accepting new tokens ` +
      "(set verify: false to skip the check).",
    { cause: refusal },
  );
}
