/**
 * `npm run pulumi -- <args>`: the provisioned Pulumi CLI with the offline environment, on the
 * demo's local backend unless `--backend <url>` (or PULUMI_BACKEND_URL) says otherwise. For example:
 *   npm run pulumi -- stack output --stack demo
 *   npm run pulumi -- stack export --stack demo
 *   npm run pulumi -- --backend postgres://user:password@db.example.com:5432/pulumi stack ls
 */
import { spawnSync } from "node:child_process";
import { demoEnv, provisionPulumi, REPO_ROOT, takeBackendOption } from "./engine";

let split: ReturnType<typeof takeBackendOption>;
try {
  split = takeBackendOption(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
// A backend the caller chose wins over the demo's: --backend first, then PULUMI_BACKEND_URL; so
// does the caller's passphrase, for the stacks of that backend.
const env = {
  ...process.env,
  ...demoEnv(
    split.backend ?? (process.env.PULUMI_BACKEND_URL || undefined),
    process.env.PULUMI_CONFIG_PASSPHRASE || undefined,
  ),
};
const result = spawnSync(provisionPulumi(), split.rest, { cwd: REPO_ROOT, env, stdio: "inherit" });
process.exit(result.status ?? 1);
