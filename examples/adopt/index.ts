// A token someone made by hand in the Utho console, brought under management without minting a
// new one (Pulumi cannot `import` a dynamic resource). Tell it which token:
//   pulumi config set legacyName ci-legacy         # the token's name in the console (required)
//   pulumi config set legacyScope write            # its scope (default read)
//   pulumi config set legacyId 176300              # its id, if several tokens share the name
//   pulumi config set --secret legacyToken <secret> # its secret, if you have it (verified)
import * as pulumi from "@pulumi/pulumi";
import { ApiToken } from "utho-pulumi-tokens";

const config = new pulumi.Config();
const scope = config.get("legacyScope") === "write" ? "write" : "read";

const legacy = new ApiToken(
  "legacy-ci",
  {
    name: config.require("legacyName"),
    scope,
    adopt: { id: config.get("legacyId"), token: config.getSecret("legacyToken") },
  },
  // Someone made it by hand and may use it elsewhere: `pulumi destroy` forgets it, revoking
  // nothing. Drop this once the stack owns the token for good.
  { retainOnDelete: true },
);

// The live token's Utho id (`tokenId`, never the resource's `id`, which names the first token).
export const legacyTokenId = legacy.tokenId;
export const legacyCreatedAt = legacy.createdAt;
// Plain: compare with `printf %s "$SECRET" | sha256sum | cut -c1-16` to know which secret it is.
export const legacyFingerprint = legacy.fingerprint;
