/**
 * The Pulumi CLI, run as a child process with its output held in memory. Only JSON output is
 * read as data; a failure's stderr is only matched against the few errors this tool explains in
 * a sentence of its own (no CLI, a locked stack, a wrong passphrase, a torn file backend), and
 * otherwise quoted by its first `error:` line. The one file a command needs (`pulumi stack
 * import --file`) is written by {@link withPrivateFile}, and removed whatever the outcome.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { UthoConfigError } from "../sdk/errors";
import { redactCredentials } from "../sdk/redact";
import { CliError, EXIT, PulumiCommandError, StackBusyError } from "./exit";

/**
 * Pulumi 3.259's PostgreSQL backend lists a project's stacks with up to
 * PULUMI_DIY_BACKEND_PARALLEL (default 10) workers, each holding one of its 2 x CPUs database
 * connections while it waits for another: with that many stacks `stack ls` hangs for good, and
 * this tool lists stacks. One worker avoids it and costs nothing here; a value the user set wins.
 */
const LISTING_ENV: Record<string, string> =
  process.env.PULUMI_DIY_BACKEND_PARALLEL === undefined ? { PULUMI_DIY_BACKEND_PARALLEL: "1" } : {};

/** A bare "EOF" reading a stack: the mark of a file backend torn by a kill (`backend.ts`). */
const TORN = /error: (failed to load checkpoint: )?EOF\b/;
const LOCKED = /currently locked|is locked|conflict: Another update is currently in progress/i;
const PASSPHRASE =
  /incorrect passphrase|passphrase must be set|PULUMI_CONFIG_PASSPHRASE|unable to decrypt|failed to decrypt/i;

/** The sentence a failed command gets: a known cause in this tool's words, else Pulumi's first error line. */
export function pulumiFailure(args: readonly string[], stack: string | undefined, stderr: string): Error {
  const about = stack ? `stack ${stack}` : "the project";
  const About = stack ? `Stack ${stack}` : "The project";
  // A finding for a person (exit 1), not a usage error: the job is right, the backend is not.
  if (TORN.test(stderr)) {
    return new CliError(
      `Pulumi cannot read ${about} (EOF): a run killed while it saved the state can leave a torn metadata ` +
        "file in a file backend. `utho-tokens reconcile --stack <name> --repair-backend` finds it and removes it.",
      EXIT.findings,
    );
  }
  if (LOCKED.test(stderr)) {
    return new StackBusyError(
      `${About} is locked: a run is going on, or a killed run left its lock. If no run is going on, ` +
        "run `pulumi cancel` first; otherwise try again when it has finished.",
    );
  }
  if (PASSPHRASE.test(stderr)) {
    return new UthoConfigError(
      `Pulumi cannot decrypt the secrets of ${about}: a wrong or missing passphrase ` +
        "(PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE), or no access to its secrets provider.",
    );
  }
  const line =
    stderr.split("\n").find((l) => /^error: /.test(l.trim())) ?? stderr.trim().split("\n")[0] ?? "";
  return new PulumiCommandError(
    `\`pulumi ${args.slice(0, 2).join(" ")}\` failed for ${about}: ${redactCredentials(line.trim()) || "no message"}`,
  );
}

export interface PulumiCli {
  /** Runs `pulumi <args>` in the project's directory; its stdout, or a one-line error. */
  run(args: readonly string[], options?: { stack?: string }): Promise<string>;
}

/** The `pulumi` on the PATH, in `dir`. */
export function pulumiIn(dir: string, binary = "pulumi"): PulumiCli {
  return {
    run: (args, options = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn(binary, [...args, "--non-interactive"], {
          cwd: dir,
          env: { ...process.env, ...LISTING_ENV },
          stdio: ["ignore", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
        child.on("error", (error: NodeJS.ErrnoException) => {
          reject(
            error.code === "ENOENT"
              ? new UthoConfigError(
                  "The Pulumi CLI (`pulumi`) is not on the PATH: install it (https://www.pulumi.com/docs/install/) " +
                    "or add its directory to PATH.",
                )
              : new PulumiCommandError(`cannot run \`pulumi\`: ${error.message}`),
          );
        });
        child.on("close", (code) => {
          if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
          else reject(pulumiFailure(args, options.stack, Buffer.concat(err).toString("utf8")));
        });
      }),
  };
}

/**
 * Calls `use` with the path of a file holding `content`, in a directory of its own that only
 * this user can enter (0700; the file 0600), and removes the directory afterwards, whatever the
 * outcome.
 */
export async function withPrivateFile<T>(content: string, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "utho-tokens-"));
  try {
    const file = path.join(dir, "deployment.json");
    await writeFile(file, content, { mode: 0o600, flag: "wx" });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
