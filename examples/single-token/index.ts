// One token for a CI deployer. Credentials for the provider itself:
//   pulumi config set --secret utho:apiKey <your Utho API key>
import * as pulumi from "@pulumi/pulumi";
import { ApiToken } from "utho-pulumi-tokens";
import { DEFAULT_BASE_URL } from "utho-pulumi-tokens/sdk";

const deployer = new ApiToken("ci-deployer", { scope: "write" });

export const deployerName = deployer.name;
// The live token's Utho id. The resource's `id` names its first token; an in-place rotation
// (`overlap`) changes `tokenId` only.
export const deployerTokenId = deployer.tokenId;
// A Pulumi secret: `pulumi stack output deployerToken` prints [secret];
// `pulumi stack output deployerToken --show-secrets` prints it for your secret store.
export const deployerToken = deployer.token;
// The Utho API the token lives in, found as the provider finds it (`utho:baseUrl`, else
// UTHO_BASE_URL, else Utho's): a consumer of the token calls this one.
export const uthoBaseUrl =
  new pulumi.Config("utho").get("baseUrl") ?? process.env.UTHO_BASE_URL ?? DEFAULT_BASE_URL;
