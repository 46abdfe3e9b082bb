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

/**
 * A new token for `inputs`, whose secret authenticates unless `verify` is false. The secret is
 * asked about while the listings identify the token's id, not after.
 */
export async function mintVerified(ctx: ProviderContext, inputs: ApiTokenInputs): Promise<MintedToken> {
  const ask = inputs.verify === false ? undefined : (secret: string) => askWith(ctx, secret);
  const { alongside: answer, ...minted } = await mintToken(ctx, inputs, ask);
  if (answer) await verifyMinted(ctx, inputs.name, minted, answer);
  return minted;
}

/** What `account/info` said of a secret: accepted, refused (401/403) all window long, or nothing about the key. */
type Answer = { accepted: true } | { refused: unknown } | { unsure: unknown };

/** Asks `account/info` with `secret` over the settle window, until an answer that is not a refusal. */
async function askWith(ctx: ProviderContext, secret: string): Promise<Answer> {
  const asToken = ctx.client.withOptions({ apiKey: secret });
  let refused: unknown;
  for (const delay of [0, ...ctx.settle.delaysMs]) {
    if (delay > 0) await ctx.settle.sleep(delay);
    try {
      await asToken.account.info();
      return { accepted: true };
    } catch (error) {
      if (!(error instanceof UthoAuthError)) return { unsure: error };
      refused = error;
    }
  }
  return { refused };
}

/**
 * The last refusal when the token's secret was refused over the settle window; undefined once it
 * is accepted, or when an answer says nothing of the key (5xx after the SDK's retries, a
 * timeout: the token is kept, as the mint succeeded and the listing shows it).
 */
function refusalIn(ctx: ProviderContext, name: string, minted: MintedToken, answer: Answer): unknown {
  if ("unsure" in answer) {
    ctx.report(
      `could not verify the new token "${name}" (id ${minted.id}): ${describeError(answer.unsure)}; it is kept`,
    );
  }
  return "refused" in answer ? answer.refused : undefined;
}

/** {@link refusalIn} of a token asked about now. */
export async function refusalOf(ctx: ProviderContext, name: string, minted: MintedToken): Promise<unknown> {
  return refusalIn(ctx, name, minted, await askWith(ctx, minted.token));
}

async function verifyMinted(
  ctx: ProviderContext,
  name: string,
  minted: MintedToken,
  answer: Answer,
): Promise<void> {
  const refusal = refusalIn(ctx, name, minted, answer);
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
