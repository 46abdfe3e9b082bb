/**
 * A Pulumi project for end-to-end runs: a program from tests/e2e/programs or examples/, set up
 * the way a user's project is (this package installed in its node_modules), run through the real
 * CLI against an emulator, with its own file backend. Every CLI output is kept so callers can
 * search it. No jest here: the e2e tests (through `e2e.ts`) and the long soak and crash runs
 * (`npm run soak`, `npm run crash`) share it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../emulator";
import { offlineEnv, type PulumiResult, REPO_ROOT, runCommand } from "../../scripts/engine";
import { installIntoProject } from "../../scripts/pack";

const E2E_DIR = path.join(REPO_ROOT, ".e2e");

export interface E2EProject {
  dir: string;
  emulator: RunningEmulator;
  /** Output of every CLI run except the ones made with `{ secret: true }`. */
  transcript: string[];
  /** The stack every command runs on: `e2e` unless opened with another. */
  stack: string;
  /** Runs `pulumi <args> --stack <stack> --non-interactive`; fails the test on a non-zero exit unless told. */
  pulumi(args: string[], options?: RunOptions): Promise<PulumiResult>;
  /**
   * Starts `pulumi <args> --stack <stack> --non-interactive`; `kill()` ends it and every process it
   * started (language host, program, provider host) at once with SIGKILL: a CI job cancelled.
   */
  startPulumi(args: string[]): { kill(): void; exited: Promise<number | null> };
  /**
   * Runs `pulumi <args> --stack <stack>` as a person at a terminal does (under `script`, in a
   * pseudo-terminal, without `--non-interactive`) and answers its confirmation prompt with
   * Enter, which takes the prompt's default: "no". `env` as in {@link RunOptions}.
   */
  pulumiDeclined(args: string[], env?: NodeJS.ProcessEnv): Promise<PulumiResult>;
  /** Runs the installed package's `utho-tokens` in the project directory, with the CLI on the PATH. */
  uthoTokens(args: string[], options?: RunOptions): Promise<PulumiResult>;
  setConfig(key: string, value: string, options?: { secret?: boolean }): Promise<void>;
  /**
   * Every stack output in one CLI run, as `stack output --json` shows them: a secret as
   * "[secret]", the one boolean output (`expired`) as `true`.
   */
  outputs(): Promise<Record<string, string>>;
  /** The secret `token` output in clear, read with --show-secrets (kept out of the transcript). */
  secretOutput(name: string): Promise<string>;
  exportState(): Promise<string>;
  /** `pulumi stack export --show-secrets`, parsed (kept out of the transcript). */
  exportSecrets(): Promise<StateExport>;
  /** Replaces the installed package with the one packed from `packageRoot` (default: this checkout). */
  installPackage(packageRoot?: string): void;
  close(): Promise<void>;
}

export type Credentials = "env" | "config" | "none";

export interface RunOptions {
  /** The command is expected to fail (non-zero exit). */
  expectFailure?: boolean;
  /** Either outcome is fine (a run under random faults): the caller reads `code`. */
  allowFailure?: boolean;
  /** Its output holds a secret on purpose: keep it out of the transcript. */
  secret?: boolean;
  /** Environment overrides for this run only, e.g. a revoked API key. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Copies the program in `source` (relative to the repo root, e.g. "tests/e2e/programs/token" or
 * "examples/rotation") into a fresh project directory under .e2e/ and opens its stack (`e2e`
 * unless `stack` names another).
 */
export interface OpenOptions {
  /** Where the provider's credentials come from. @default "env" */
  credentials?: Credentials;
  /** The package to install first, e.g. an earlier release. @default this checkout */
  packageRoot?: string;
  /** Options of the project's emulator (latency, faults). */
  emulator?: EmulatorOptions;
  /** An emulator to share with other projects (one account, several stacks); not closed here. */
  sharedEmulator?: RunningEmulator;
  /** Environment for every command, e.g. UTHO_TIMEOUT_MS. */
  env?: NodeJS.ProcessEnv;
  /** The stack's name, e.g. an example's `dev` with its Pulumi.dev.yaml. @default "e2e" */
  stack?: string;
  /**
   * Install this package into the project's node_modules, as a Node.js program needs. A Go
   * program (examples/go) names the plugin's folder in its Pulumi.yaml instead. @default true
   */
  npmPackage?: boolean;
}

/** The parts of `pulumi stack export` the tests read. */
export interface StateExport {
  deployment: {
    resources?: {
      type: string;
      urn: string;
      id?: string;
      outputs?: Record<string, unknown>;
      /** Set on a replaced resource until its delete has run. */
      delete?: boolean;
    }[];
    pending_operations?: unknown[];
  };
}

/** Every process below `root`, from the parent ids /proc shows. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // it ended meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let queue = [root]; queue.length > 0; ) {
    const next = children.get(queue.shift() as number) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/**
 * SIGKILL for the CLI and everything it started, as when a CI job is cancelled. The engine starts
 * each plugin (the provider host among them) in a process group of its own, so killing the CLI's
 * group would leave them running. The tree is frozen first, so nothing is started meanwhile.
 */
function killTree(root: number): void {
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  signal(root, "SIGSTOP");
  const tree = descendants(root);
  for (const pid of tree) signal(pid, "SIGSTOP");
  for (const pid of [root, ...tree, ...descendants(root)]) signal(pid, "SIGKILL");
}

export async function openProject(
  source: string,
  pulumiBinary: string,
  options: OpenOptions = {},
): Promise<E2EProject> {
  const credentials = options.credentials ?? "env";
  const stack = options.stack ?? "e2e";
  mkdirSync(E2E_DIR, { recursive: true });
  const dir = mkdtempSync(path.join(E2E_DIR, `${path.basename(source)}-`));
  // As a fresh clone has it: not what an `npm install` in the source left there.
  cpSync(path.join(REPO_ROOT, source), dir, {
    recursive: true,
    filter: (file) => path.basename(file) !== "node_modules",
  });
  if (options.npmPackage !== false) installIntoProject(dir, options.packageRoot);
  const emulator = options.sharedEmulator ?? (await startEmulator(options.emulator));

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The Automation API, which utho-tokens uses, runs the `pulumi` it finds on the PATH.
    PATH: `${path.dirname(pulumiBinary)}${path.delimiter}${process.env.PATH ?? ""}`,
    ...offlineEnv(path.join(dir, ".state"), "e2e-passphrase"),
    // TypeScript programs (the examples) are type-checked by `npm run typecheck`; here they only
    // need transpiling, which saves ts-node's type check on every CLI run.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    // The emulator lists a token the moment it exists (unless a test makes its list lag), so the
    // provider need not wait out the production window of 7.75 s before trusting an absence.
    UTHO_SETTLE_WINDOW: "500ms",
  };
  for (const name of ["UTHO_API_KEY", "UTHO_TOKEN", "UTHO_BASE_URL"]) delete env[name];
  if (credentials === "env") {
    env.UTHO_API_KEY = emulator.rootKey;
    env.UTHO_BASE_URL = emulator.baseUrl;
  }
  Object.assign(env, options.env);

  const transcript: string[] = [];
  const pulumi: E2EProject["pulumi"] = async (args, options = {}) => {
    const result = await runCommand(pulumiBinary, [...args, "--stack", stack, "--non-interactive"], {
      cwd: dir,
      env: { ...env, ...options.env },
    });
    if (!options.secret) transcript.push(result.stdout, result.stderr);
    const failed = result.code !== 0;
    if (!options.allowFailure && failed !== Boolean(options.expectFailure)) {
      throw new Error(`pulumi ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  };
  const startPulumi: E2EProject["startPulumi"] = (args) => {
    const child: ChildProcess = spawn(pulumiBinary, [...args, "--stack", stack, "--non-interactive"], {
      cwd: dir,
      env,
      stdio: "ignore",
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    return {
      kill: () => {
        if (child.pid !== undefined) killTree(child.pid);
      },
      exited,
    };
  };
  const pulumiDeclined: E2EProject["pulumiDeclined"] = (args, overrides) =>
    new Promise((resolve, reject) => {
      const command = [pulumiBinary, ...args, "--stack", stack].map((word) => `'${word}'`).join(" ");
      // The CLI prompts only on a terminal and outside CI (PULUMI_DISABLE_CI_DETECTION turns off
      // its detection of CI systems by their environment variables).
      const child = spawn("script", ["--quiet", "--return", "--command", command, "/dev/null"], {
        cwd: dir,
        env: { ...env, ...overrides, PULUMI_DISABLE_CI_DETECTION: "1", TERM: "xterm" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      let answered = false;
      // A prompt that never comes (the CLI took the terminal for none) must not hang the test.
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk;
        if (!answered && stdout.includes("Do you want to perform this")) {
          answered = true;
          child.stdin.end("\r");
        }
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk;
      });
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        transcript.push(stdout, stderr);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
  const uthoTokens: E2EProject["uthoTokens"] = async (args, options = {}) => {
    const bin = path.join(dir, "node_modules", "utho-pulumi-tokens", "dist", "cli", "main.js");
    const result = await runCommand(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...env, ...options.env },
    });
    if (!options.secret) transcript.push(result.stdout, result.stderr);
    if ((result.code !== 0) !== Boolean(options.expectFailure)) {
      throw new Error(
        `utho-tokens ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  };
  const setConfig: E2EProject["setConfig"] = async (key, value, options = {}) => {
    await pulumi(["config", "set", ...(options.secret ? ["--secret"] : []), key, value], {
      secret: options.secret,
    });
  };

  await pulumi(["stack", "init"]);
  if (credentials === "config") {
    await setConfig("utho:apiKey", emulator.rootKey, { secret: true });
    await setConfig("utho:baseUrl", emulator.baseUrl);
  }

  return {
    dir,
    stack,
    emulator,
    transcript,
    pulumi,
    startPulumi,
    pulumiDeclined,
    uthoTokens,
    setConfig,
    outputs: async () => JSON.parse((await pulumi(["stack", "output", "--json"])).stdout),
    secretOutput: async (name) =>
      (await pulumi(["stack", "output", name, "--show-secrets"], { secret: true })).stdout.trim(),
    exportState: async () => (await pulumi(["stack", "export"])).stdout,
    exportSecrets: async () =>
      JSON.parse(
        (await pulumi(["stack", "export", "--show-secrets"], { secret: true })).stdout,
      ) as StateExport,
    installPackage: (packageRoot) => installIntoProject(dir, packageRoot),
    close: async () => {
      if (!options.sharedEmulator) await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
