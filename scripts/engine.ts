/**
 * The real Pulumi engine, offline: finds or builds the CLI and its Node.js language host
 * (scripts/provision-pulumi.sh) and runs it with an environment that never reaches the network.
 * Used by the demo, the end-to-end tests and `npm run pulumi`.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

// This file runs as TypeScript from scripts/ (jest) or compiled from dist/scripts/.
export const REPO_ROOT = path.resolve(
  __dirname,
  path.basename(path.dirname(__dirname)) === "dist" ? "../.." : "..",
);

/** The demo's local stack lives here (git-ignored). */
export const DEMO_DIR = path.join(REPO_ROOT, ".demo");
export const DEMO_STATE_DIR = path.join(DEMO_DIR, "state");
/**
 * The demo stack's passphrase: Pulumi.demo.yaml's `encryptionsalt` was made with it, so the demo
 * uses it whatever PULUMI_CONFIG_PASSPHRASE says (a team's, exported for its own stacks). It
 * guards only the demo's secrets of emulator tokens on this machine.
 */
export const DEMO_PASSPHRASE = "utho-demo";

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

/**
 * `--backend <url>` of `npm run demo` and `npm run pulumi`: any Pulumi backend URL
 * (`postgres://…`, `s3://…`, `https://api.pulumi.com`, `file://…`) in place of the demo's local
 * folder. Its one definition, for both scripts' `parseArgs`.
 */
export const BACKEND_OPTION = { backend: { type: "string" } } as const;

/** The URL's value checked: a scheme and `://`, which every Pulumi backend URL has. */
export function checkBackendUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  // The value is not quoted: a mistyped URL may still hold a password.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new Error(
      "--backend: must be a Pulumi backend URL such as postgres://user:password@host:5432/db, " +
        "s3://bucket?region=…, https://api.pulumi.com or file:///path",
    );
  }
  return url;
}

/**
 * Splits `--backend <url>` (or `--backend=<url>`) off arguments meant for the Pulumi CLI, which
 * pass through in their order, untouched; after a `--` nothing is taken.
 */
export function takeBackendOption(args: string[]): { backend?: string; rest: string[] } {
  const { tokens } = parseArgs({
    args,
    options: BACKEND_OPTION,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const taken = new Set<number>();
  let backend: string | undefined;
  for (const token of tokens) {
    if (token.kind !== "option" || token.name !== "backend") continue;
    if (token.value === undefined) throw new Error("--backend: needs a URL");
    backend = checkBackendUrl(token.value);
    taken.add(token.index);
    if (!token.inlineValue) taken.add(token.index + 1);
  }
  return { backend, rest: args.filter((_, i) => !taken.has(i)) };
}

/** A backend URL fit to print: a password in it (user info or a query parameter) as `***`. */
export function describeBackend(url: string): string {
  try {
    const parsed = new URL(url);
    const secretKeys = [...parsed.searchParams.keys()].filter((key) => /pass|secret|token|key/i.test(key));
    if (!parsed.password && secretKeys.length === 0) return url;
    if (parsed.password) parsed.password = "***";
    for (const key of secretKeys) parsed.searchParams.set(key, "***");
    return decodeURIComponent(parsed.toString());
  } catch {
    return url.replace(/\/\/([^/:@]*):[^/@]*@/, "//$1:***@");
  }
}

/**
 * The demo's offline environment on its local folder, or on `backend` when one is given (the
 * CLI then reaches that backend; plugins and update checks stay offline), with `passphrase`
 * (default the demo stack's).
 */
export function demoEnv(backend?: string, passphrase = DEMO_PASSPHRASE): Record<string, string> {
  const env = offlineEnv(DEMO_STATE_DIR, passphrase);
  if (backend !== undefined) env.PULUMI_BACKEND_URL = backend;
  return env;
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
