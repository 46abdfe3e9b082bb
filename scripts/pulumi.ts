/**
 * `npm run pulumi -- <args>`: the provisioned Pulumi CLI with the offline environment, on the
 * demo's local backend unless PULUMI_BACKEND_URL says otherwise. For example:
 *   npm run pulumi -- stack output --stack demo
 *   npm run pulumi -- stack export --stack demo
 */
import { spawnSync } from "node:child_process";
import { DEMO_PASSPHRASE, DEMO_STATE_DIR, offlineEnv, provisionPulumi, REPO_ROOT } from "./engine";

const env = { ...process.env, ...offlineEnv(DEMO_STATE_DIR, DEMO_PASSPHRASE) };
// A backend or passphrase the caller chose wins over the demo's.
if (process.env.PULUMI_BACKEND_URL) env.PULUMI_BACKEND_URL = process.env.PULUMI_BACKEND_URL;
const result = spawnSync(provisionPulumi(), process.argv.slice(2), {
  cwd: REPO_ROOT,
  env,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
