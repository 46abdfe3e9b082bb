#!/usr/bin/env node
/**
 * `utho-tokens`: the account-level commands of utho-pulumi-tokens, run from a Pulumi project's
 * directory. `reconcile` repairs what an interrupted run left behind; `audit` shows every token
 * of the account and which stack manages it. Both read the stack's `utho:apiKey`, decrypted by
 * itself into memory. Otherwise neither decrypts the state (it is exported with its secrets
 * encrypted), but for what reconcile needs to find a token an interrupted operation may have
 * minted (a create, an update that rotates in place) of a resource with its own `connection`:
 * that connection, read into memory only (`PulumiProject.pendingConnections`), and, for a token
 * of the `utho` provider plugin, its provider's `apiKey` (`PulumiProject.providerSettings`),
 * which stands where the stack's config does for a dynamic token. No secret is ever
 * printed: every line passes through the run's redaction, which knows every secret it read.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { now } from "../provider/clock";
import { parseDuration } from "../provider/duration";
import { UthoConfigError } from "../sdk/errors";
import { SecretRedactor } from "../sdk/redact";
import { SDK_VERSION } from "../sdk/version";
import { accountFor, auditCredentials } from "./account";
import { type AuditedStack, auditAccount, FAIL_ON, type FailOn, failures, formatAudit } from "./audit";
import { fileBackendRoot, removeSidecars, tornSidecars } from "./backend";
import { EXIT, exitCodeOf, messageOf } from "./exit";
import { pluginCommand } from "./plugin";
import type { PulumiCli } from "./pulumi";
import {
  applyReconcile,
  describePlan,
  planReconcile,
  type ReconcilePlan,
  type ReconcileResult,
} from "./reconcile";
import { PulumiProject } from "./stack";
import { type Deployment, tokensInState } from "./state";

export const USAGE = `Usage: utho-tokens <command> [options]   (run it in a Pulumi project's directory)

Commands:
  reconcile [--stack S ...] [--yes] [--json] [--repair-backend]
      Finds what interrupted runs left behind: the ApiToken resources' pending operations and
      the tokens they minted. Without --yes it prints the plan; with --yes it carries out that
      plan (revokes those tokens and clears the pending operations), and stops without writing
      if the stack changed since the plan was read. After a killed run: \`pulumi cancel\`, then
      \`utho-tokens reconcile --yes\`, then the run again.
      --repair-backend removes the named stack's torn metadata files from a file backend, which
      a kill can leave ("failed to load checkpoint: EOF"); without it they are only reported.
  audit [--stack S ...] [--json] [--stale-after 90d] [--fail-on unmanaged|stale|write ...]
      Every token of the account with its id, name, scope, age and the stack and resource that
      manage it (from the stacks given; default the current one), or "unmanaged".
      --fail-on makes the exit code 1 when any token is unmanaged, stale, or an unmanaged Write
      token.
  plugin install | plugin path
      install: puts the \`utho\` resource provider plugin of this package's version into Pulumi's
      plugin cache ($PULUMI_HOME/plugins, default ~/.pulumi/plugins), so that a program in any
      language finds it with no path; again after moving or reinstalling the package. path:
      prints the package's bin folder, for \`plugins.providers[].path\` in a Pulumi.yaml instead.

--stack and --fail-on may be repeated, or take a comma-separated list. The state is read with
its secrets encrypted: audit needs no passphrase unless utho:apiKey is a secret of the config.
Credentials: utho:apiKey and utho:baseUrl from the (first) stack's config, else the environment
(UTHO_API_KEY or UTHO_TOKEN, UTHO_BASE_URL).

Exit codes:
  0  done
  1  findings that need a person: a --fail-on condition holds; reconcile left tokens alone,
     cannot read a create, or its plan holds other resources' pending operations (Pulumi's
     import clears them with its own); a torn backend file awaits --repair-backend
  2  usage or configuration: a bad flag, no project, stack, credentials or \`pulumi\`, a wrong
     passphrase, a key Utho refuses
  3  the stack is locked by a run, or changed underneath: nothing was written; retry later
  4  a request to Utho, or a Pulumi command, failed (network, API, backend)

  -h, --help      this help
  -V, --version   the version`;

/** Where a command runs and writes; tests give their own. */
export interface Context {
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The Pulumi CLI to drive; default the `pulumi` on the PATH. */
  pulumi?: PulumiCli;
}

/** A command's context: its output already passes through `secrets`, which the project fills. */
interface RunContext extends Context {
  secrets: SecretRedactor;
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (error) {
    throw new UthoConfigError(
      `${error instanceof Error ? error.message : String(error)} (utho-tokens --help)`,
    );
  }
}

/** A repeatable flag's values, each possibly a comma-separated list, without repeats. */
function listFlag(flag: string, values: readonly string[] | undefined): string[] {
  const items = (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim());
  if (items.some((item) => item === ""))
    throw new UthoConfigError(`--${flag}: an empty name in "${values?.join(",")}"`);
  return [...new Set(items)];
}

const STACK_OPTION = { stack: { type: "string", multiple: true } } as const;

/** The stacks named by --stack (default the current one), by their full names, each once. */
async function resolveStacks(project: PulumiProject, requested: string[]): Promise<string[]> {
  const names: string[] = [];
  for (const name of requested.length > 0 ? requested : [undefined])
    names.push(await project.stackName(name));
  return [...new Set(names)];
}

/** What reconcile did to one stack, for --json. */
interface StackReport {
  stack: string;
  tornFiles: string[];
  repaired: boolean;
  operations: {
    operation: string;
    urn: string;
    verdict: string;
    revoke: string[];
    leftAlone: { id: string; name: string; scope: string }[];
    needsPerson: boolean;
  }[];
  otherPending: string[];
  applied: ReconcileResult | null;
}

function reportOf(plan: ReconcilePlan, applied: ReconcileResult | null): StackReport {
  return {
    stack: plan.stack,
    tornFiles: [],
    repaired: false,
    operations: plan.operations.map((p) => ({
      operation: p.operation.operation,
      urn: p.operation.urn,
      verdict: p.verdict,
      revoke: p.revoke.map((t) => t.id),
      leftAlone: p.leftAlone.map(({ id, name, scope }) => ({ id, name, scope })),
      needsPerson: p.needsPerson,
    })),
    otherPending: plan.otherPending,
    applied,
  };
}

/**
 * A file backend torn by a kill (`backend.ts`) makes every Pulumi command on the stack fail: the
 * named stack's torn files are reported first and, with --repair-backend, removed. Nothing
 * outside that stack is looked at. Returns the files, and whether they are gone.
 */
async function mendTornBackend(
  project: PulumiProject,
  root: string | undefined,
  stack: string,
  repair: boolean,
  say: (line: string) => void,
): Promise<{ files: string[]; repaired: boolean }> {
  const parts = stack.split("/");
  const short = parts[parts.length - 1] as string;
  const projectName = parts.length >= 2 ? (parts[parts.length - 2] as string) : project.projectName();
  const files = root === undefined ? [] : tornSidecars(root, projectName, short);
  if (files.length === 0) return { files, repaired: false };
  say(
    `Stack ${stack}: Pulumi's file backend in ${root} has ${files.length} torn metadata file${files.length === 1 ? "" : "s"}, ` +
      `left by a run killed while it saved the state: ${files.join(", ")}. The state files beside them are whole, but ` +
      'every Pulumi command on the stack fails with "failed to load checkpoint: EOF" until they are removed.',
  );
  if (!repair) {
    say(
      `Nothing was changed. Run \`utho-tokens reconcile --stack ${short} --repair-backend\` to remove them and go on.`,
    );
    return { files, repaired: false };
  }
  removeSidecars(files);
  say(`Removed ${files.length === 1 ? "it" : "them"}; the stack reads as its last saved checkpoint.`);
  return { files, repaired: true };
}

async function reconcile(args: string[], ctx: RunContext): Promise<number> {
  const { values } = parse(args, {
    ...STACK_OPTION,
    yes: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "repair-backend": { type: "boolean", default: false },
  });
  const say = values.json ? () => {} : ctx.stdout;
  const project = PulumiProject.open(ctx.cwd, ctx.pulumi, ctx.secrets);
  const requested = listFlag("stack", values.stack);
  if (values["repair-backend"] && requested.length === 0) {
    throw new UthoConfigError(
      "--repair-backend: name the stack to repair with --stack (a repair never leaves it)",
    );
  }
  const reports: StackReport[] = [];
  let code: number = EXIT.ok;
  try {
    // Named stacks are looked at before the CLI lists them: a torn one stops `pulumi stack ls`.
    const torn = new Map<string, { files: string[]; repaired: boolean }>();
    const root = requested.length > 0 ? fileBackendRoot(await project.backendUrl()) : undefined;
    for (const name of requested) {
      torn.set(name, await mendTornBackend(project, root, name, values["repair-backend"], say));
    }
    const stillTorn = [...torn.entries()].filter(([, t]) => t.files.length > 0 && !t.repaired);
    if (stillTorn.length > 0) {
      for (const [stack, t] of stillTorn) {
        reports.push({
          stack,
          tornFiles: t.files,
          repaired: false,
          operations: [],
          otherPending: [],
          applied: null,
        });
      }
      code = EXIT.findings;
    } else {
      for (const stack of await resolveStacks(project, requested)) {
        const report = await reconcileStack(project, stack, values.yes, say, ctx.stderr);
        const mended =
          torn.get(stack) ?? [...torn.entries()].find(([name]) => stack.endsWith(`/${name}`))?.[1];
        reports.push({ ...report, tornFiles: mended?.files ?? [], repaired: mended?.repaired ?? false });
        // Pending operations of other resources are cleared with them: a person checks those.
        const others = report.operations.length > 0 && report.otherPending.length > 0;
        if (others || report.operations.some((op) => op.needsPerson)) code = EXIT.findings;
      }
    }
  } catch (error) {
    if (values.json) ctx.stdout(JSON.stringify({ stacks: reports, error: messageOf(error) }, null, 2));
    throw error;
  }
  if (values.json) ctx.stdout(JSON.stringify({ stacks: reports }, null, 2));
  return code;
}

async function reconcileStack(
  project: PulumiProject,
  stack: string,
  yes: boolean,
  say: (line: string) => void,
  warn: (line: string) => void,
): Promise<StackReport> {
  const plan = await planReconcile(await project.exportState(stack), {
    credentials: () => project.credentials(stack),
    connections: () => project.pendingConnections(stack),
    providers: () => project.providerSettings(stack),
  });
  // The clients of the accounts the plan looked in are closed once it is carried out (or not).
  const clients = new Set(plan.operations.flatMap((op) => (op.account ? [op.account.client] : [])));
  try {
    return await carryOut(project, stack, plan, yes, say, warn);
  } finally {
    await Promise.all([...clients].map((client) => client.close()));
  }
}

async function carryOut(
  project: PulumiProject,
  stack: string,
  plan: ReconcilePlan,
  yes: boolean,
  say: (line: string) => void,
  warn: (line: string) => void,
): Promise<StackReport> {
  for (const line of describePlan(plan)) say(line);
  if (plan.operations.length === 0) return reportOf(plan, null);
  if (!yes) {
    say(`Nothing was changed. Run \`utho-tokens reconcile --stack ${stack} --yes\` to carry the plan out.`);
    return reportOf(plan, null);
  }
  // Its long waits are said on stderr (never in --json's stdout), redacted like every line.
  const result = await applyReconcile(project, plan, undefined, (message) => warn(`utho-tokens: ${message}`));
  say(
    `Revoked ${result.revoked.length ? result.revoked.join(", ") : "nothing"}; cleared ${result.cleared} pending ` +
      `operation${result.cleared === 1 ? "" : "s"} from stack ${stack}. Now run the interrupted command again.`,
  );
  const leftAlone = plan.operations.flatMap((p) => p.leftAlone);
  if (leftAlone.length > 0) {
    say(
      `Left for a person: ${leftAlone.map((t) => `${t.id} ("${t.name}", ${t.scope})`).join(", ")}; ` +
        "revoke each one that no stack manages (`utho-tokens audit`).",
    );
  }
  return reportOf(plan, result);
}

function failOnList(values: string[]): FailOn[] {
  const list = listFlag("fail-on", values);
  for (const item of list) {
    if (!(FAIL_ON as readonly string[]).includes(item)) {
      throw new UthoConfigError(`--fail-on: must be one of ${FAIL_ON.join(", ")}; "${item}" is not one`);
    }
  }
  return list as FailOn[];
}

async function audit(args: string[], ctx: RunContext): Promise<number> {
  const { values } = parse(args, {
    ...STACK_OPTION,
    json: { type: "boolean", default: false },
    "stale-after": { type: "string", default: "90d" },
    "fail-on": { type: "string", multiple: true, default: [] },
  });
  const staleAfter = values["stale-after"];
  const staleAfterMs = parseDuration(staleAfter);
  if ("problem" in staleAfterMs) throw new UthoConfigError(`--stale-after: ${staleAfterMs.problem}`);
  const failOn = failOnList(values["fail-on"]);
  const clock = now();

  const project = PulumiProject.open(ctx.cwd, ctx.pulumi, ctx.secrets);
  const names = await resolveStacks(project, listFlag("stack", values.stack));
  const stacks: AuditedStack[] = [];
  const deployments: Deployment[] = [];
  for (const name of names) {
    const { deployment } = await project.exportState(name);
    deployments.push(deployment);
    stacks.push({ name, tokens: tokensInState(deployment) });
  }
  const first = names[0] as string;
  const { client } = accountFor(await auditCredentials(project, first, deployments[0] as Deployment));
  const [user, listing] = await Promise.all([client.account.info(), client.apiTokens.list()]).finally(() =>
    client.close(),
  );
  const report = auditAccount(listing, stacks, String(user.id ?? ""), {
    staleAfter,
    staleAfterMs: staleAfterMs.ms,
    now: clock,
  });
  const failed = failures(report, failOn);
  ctx.stdout(values.json ? JSON.stringify({ ...report, failures: failed }, null, 2) : formatAudit(report));
  for (const failure of failed) ctx.stderr(`utho-tokens audit: ${failure}`);
  return failed.length > 0 ? EXIT.findings : EXIT.ok;
}

const COMMANDS: Record<string, (args: string[], ctx: RunContext) => Promise<number>> = {
  reconcile,
  audit,
  plugin: async (args, ctx) => pluginCommand(args, ctx.stdout),
};

/**
 * Runs a command line; every failure becomes one line on stderr and its exit code. The secrets
 * the run reads are kept for it alone, and replaced in every line it prints.
 */
export async function main(argv: string[], given: Context): Promise<number> {
  const secrets = new SecretRedactor();
  const ctx: RunContext = {
    ...given,
    stdout: (text) => given.stdout(secrets.redactKnown(text)),
    stderr: (text) => given.stderr(secrets.redactKnown(text)),
    secrets,
  };
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw new UthoConfigError("a command is required (utho-tokens --help)");
    if (["--help", "-h", "help"].includes(command) || rest.includes("--help") || rest.includes("-h")) {
      ctx.stdout(USAGE);
      return EXIT.ok;
    }
    if (["--version", "-V"].includes(command)) {
      ctx.stdout(SDK_VERSION);
      return EXIT.ok;
    }
    const run = COMMANDS[command];
    if (!run) throw new UthoConfigError(`unknown command "${command}" (utho-tokens --help)`);
    return await run(rest, ctx);
  } catch (error) {
    ctx.stderr(`utho-tokens: ${messageOf(error)}`);
    return exitCodeOf(error);
  }
}

if (require.main === module) {
  const line = (stream: NodeJS.WriteStream) => (text: string) => stream.write(`${text}\n`);
  main(process.argv.slice(2), {
    cwd: process.cwd(),
    stdout: line(process.stdout),
    stderr: line(process.stderr),
  }).then((code) => {
    process.exitCode = code;
  });
}
