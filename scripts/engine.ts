/**
 * The real Pulumi engine, offline: finds or builds the CLI and its Node.js language host
 * (scripts/provision-pulumi.sh) and runs it with an environment that never reaches the network.
 * Used by the demo, the end-to-end tests and `npm run pulumi`.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";

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

/** The path of a working `pulumi`, provisioned on first use (cached outside the clone). */
export function provisionPulumi(): string {
  const out = execFileSync("bash", [path.join(REPO_ROOT, "scripts/provision-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const binary = out.trim().split("\n").pop();
  if (!binary) throw new Error("scripts/provision-pulumi.sh printed no path to pulumi");
  return binary;
}

/**
 * Everything the CLI needs to run with no network: a file backend, a passphrase secrets
 * provider, no update checks, no plugin downloads.
 */
export function offlineEnv(stateDir: string, passphrase: string): Record<string, string> {
  mkdirSync(stateDir, { recursive: true });
  return {
    // `metadata=skip`: no `.attrs` sidecar beside each state file. The file backend rewrites a
    // sidecar in place before each checkpoint, so a run killed at that moment leaves it empty and
    // the stack unreadable ("failed to load checkpoint: EOF"; see `cli/backend.ts`).
    PULUMI_BACKEND_URL: `file://${stateDir}?metadata=skip`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_HOME: path.join(stateDir, ".pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

export interface PulumiResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Directory holding the program's Pulumi.yaml. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Echo the CLI's output while it runs (the demo); captured either way. */
  echo?: boolean;
  /** The CLI is stopped (SIGTERM) after this long. @default 600000 */
  timeoutMs?: number;
}

/**
 * Runs a command (`pulumi <args>`, or `utho-tokens`) and resolves with its exit code and output;
 * never rejects on failure, only if it cannot start.
 */
export function runCommand(binary: string, args: string[], options: RunOptions): Promise<PulumiResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (options.echo) process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 600_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
