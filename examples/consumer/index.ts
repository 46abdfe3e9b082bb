// A stack that uses a token another stack manages: the producer (examples/single-token) exports
// `deployerToken` as a secret; this stack reads it through a StackReference, never a copy, and
// calls Utho with it through the SDK. When the producer rotates, the next run here uses the new
// secret.
//   pulumi config set producerStack <org>/utho-single-token/<stack>
import * as pulumi from "@pulumi/pulumi";
import { UthoClient } from "utho-pulumi-tokens/sdk";

const config = new pulumi.Config();
const producer = new pulumi.StackReference(config.require("producerStack"));
// Still a secret here: it stays encrypted in this stack's state and [secret] in its outputs.
const deployerToken = producer.requireOutput("deployerToken") as pulumi.Output<string>;

// The API the producer's token lives in, from the producer's outputs (the token is refused by
// any other); a producer that does not export it leaves UTHO_BASE_URL, else Utho's.
const baseUrl = producer.getOutput("uthoBaseUrl") as pulumi.Output<string | undefined>;

const whoAmI = pulumi.all([deployerToken, baseUrl]).apply(async ([apiKey, baseUrl]) => {
  const utho = new UthoClient({ apiKey, baseUrl });
  const [user, tokens] = await Promise.all([utho.account.info(), utho.apiTokens.list()]);
  return { accountId: String(user.id ?? ""), visibleTokens: tokens.length };
});

// Derived from a secret, so Pulumi marks them secret too; neither gives the token away.
export const accountId = pulumi.unsecret(whoAmI.apply((w) => w.accountId));
export const visibleTokens = pulumi.unsecret(whoAmI.apply((w) => w.visibleTokens));
