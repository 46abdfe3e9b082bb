/**
 * The real Pulumi engine, offline: finds or builds the CLI (scripts/provision-pulumi.sh) and
 * opens Automation API stacks whose programs run inline in this Node process. Used by the demo,
 * the end-to-end tests and `npm run pulumi`.
 *
 * Why inline programs: the Node.js language host (pulumi-language-nodejs) is an untagged Go
 * module the module proxy here does not serve, so `pulumi up` cannot start a Node program by
 * itself. The Automation API runs the program in this process and drives the same engine, the
 * same state, secrets and dynamic-provider host (`pulumi-resource-pulumi-nodejs`).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { LocalWorkspace, PulumiCommand, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";

// This file runs as TypeScript from scripts/ (jest) or compiled from dist/scripts/.
export const REPO_ROOT = path.resolve(
  __dirname,
  path.basename(path.dirname(__dirname)) === "dist" ? "../.." : "..",
);

/** The demo's local stack lives here (git-ignored). */
export const DEMO_DIR = path.join(REPO_ROOT, ".demo");
export const DEMO_STATE_DIR = path.join(DEMO_DIR, "state");
/** Guards only the demo's local secrets on this machine; set PULUMI_CONFIG_PASSPHRASE to override. */
export const DEMO_PASSPHRASE = process.env.PULUMI_CONFIG_PASSPHRASE ?? "utho-demo";

/** The directory holding `bin/pulumi`, provisioned on first use (cached outside the clone). */
export function provisionPulumi(): string {
  const out = execFileSync("bash", [path.join(REPO_ROOT, "scripts/provision-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const binary = out.trim().split("\n").pop() ?? "";
  return path.dirname(path.dirname(binary));
}

/**
 * Everything the CLI needs to run with no network: a file backend, a passphrase secrets
 * provider, no update checks, no plugin downloads.
 */
export function offlineEnv(stateDir: string, passphrase: string): Record<string, string> {
  mkdirSync(stateDir, { recursive: true });
  return {
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_HOME: path.join(stateDir, ".pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    // The dynamic-provider plugin is copied next to a provisioned CLI; this is the fallback for
    // a CLI found on PATH without it (the engine then warns that it uses one from PATH).
    PATH: `${process.env.PATH ?? ""}${path.delimiter}${path.join(REPO_ROOT, "node_modules/@pulumi/pulumi")}`,
  };
}

export interface InlineStackOptions {
  /** Where Pulumi.yaml and Pulumi.<stack>.yaml live. Must be inside the repo (node_modules resolution). */
  workDir: string;
  projectName: string;
  stackName: string;
  program: PulumiFn;
  /** Directory of the file backend. */
  stateDir: string;
  passphrase: string;
  /** Extra environment for the engine and its plugins, e.g. UTHO_API_KEY. */
  env?: Record<string, string>;
  /** The CLI root from `provisionPulumi()`. */
  pulumiRoot: string;
}

export async function openInlineStack(options: InlineStackOptions): Promise<Stack> {
  const pulumiCommand = await PulumiCommand.get({ root: options.pulumiRoot, skipVersionCheck: true });
  const envVars = { ...offlineEnv(options.stateDir, options.passphrase), ...options.env };
  mkdirSync(options.workDir, { recursive: true });
  return LocalWorkspace.createOrSelectStack(
    { projectName: options.projectName, stackName: options.stackName, program: options.program },
    { workDir: options.workDir, pulumiCommand, envVars },
  );
}
