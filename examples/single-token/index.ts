// One token for a CI deployer. Credentials for the provider itself:
//   pulumi config set --secret utho:apiKey <your Utho API key>
import { ApiToken } from "utho-pulumi-tokens";

const deployer = new ApiToken("ci-deployer", { scope: "write" });

export const deployerName = deployer.name;
export const deployerId = deployer.id;
// A Pulumi secret: `pulumi stack output deployerToken` prints [secret];
// `pulumi stack output deployerToken --show-secrets` prints it for your secret store.
export const deployerToken = deployer.token;
