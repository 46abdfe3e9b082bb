#!/usr/bin/env node
/**
 * `utho-tokens`: the account-level commands of utho-pulumi-tokens, run from a Pulumi project's
 * directory. `reconcile` repairs what an interrupted run left behind; `audit` shows every token
 * of the account and which stack manages it. No secret is ever printed: messages pass through
 * the package's redaction, which knows the key in use and every secret of the exported state.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { now } from "../provider/clock";
import { parseDuration } from "../provider/duration";
import { UthoConfigError, UthoError } from "../sdk/errors";
import { redactSecrets } from "../sdk/redact";
import { accountFor } from "./account";
import { type AuditedStack, auditAccount, FAIL_ON, type FailOn, failures, formatAudit } from "./audit";
import { fileBackendRoot, removeSidecars, tornSidecars } from "./backend";
import { applyReconcile, describePlan, planReconcile } from "./reconcile";
import { PulumiProject } from "./stack";
import { tokensInState } from "./state";

const USAGE = `Usage: utho-tokens <command> [options]   (run it in a Pulumi project's directory)

Commands:
  reconcile [--stack S] [--yes]
      Finds what interrupted runs left behind: the ApiToken resources' pending operations and
      the tokens they minted. Without --yes it prints the plan; with --yes it revokes those
      tokens and clears the pending operations. After a killed run: \`pulumi cancel\`, then
      \`utho-tokens reconcile --yes\`, then the run again. It first mends a file backend
      that the kill left unreadable ("failed to load checkpoint: EOF").
  audit [--stack S ...] [--json] [--stale-after 90d] [--fail-on unmanaged|stale|write ...]
      Every token of the account with its id, name, scope, age and the stack and resource that
      manage it (from the stacks given; default the current one), or "unmanaged".
      --fail-on makes the exit code 1 when any token is unmanaged, stale, or an unmanaged Write
      token (repeat it or separate with commas).

Credentials: utho:apiKey and utho:baseUrl from the (first) stack's config, else the environment
(UTHO_API_KEY or UTHO_TOKEN, UTHO_BASE_URL).
Exit codes: 0 done; 1 a --fail-on condition holds, or reconcile found something only a person
can settle (tokens it left alone, a create it cannot read); 2 bad usage or configuration, a
locked or changed stack, or a failed request.`;

const write = (text: string) => process.stdout.write(`${text}\n`);

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (error) {
    throw new UthoConfigError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}

/**
 * A file backend torn by a kill (`backend.ts`) makes every Pulumi command on the stack fail: it
 * is reported first and, with --yes, mended, so the stack can be read. False when it stays torn.
 */
async function mendTornBackend(project: PulumiProject, yes: boolean): Promise<boolean> {
  const root = fileBackendRoot(await project.backendUrl());
  const torn = root === undefined ? [] : tornSidecars(root);
  if (torn.length === 0) return true;
  write(
    `Pulumi's file backend in ${root} has ${torn.length} torn metadata file${torn.length === 1 ? "" : "s"}, left by a ` +
      `run killed while it saved the state: ${torn.join(", ")}. The state files beside them are whole, but every ` +
      'Pulumi command on the stack fails with "failed to load checkpoint: EOF" until they are removed.',
  );
  if (!yes) {
    write("Nothing was changed. Run `utho-tokens reconcile --yes` to remove them and go on.");
    return false;
  }
  removeSidecars(torn);
  write(`Removed ${torn.length === 1 ? "it" : "them"}; the stack reads as its last saved checkpoint.`);
  return true;
}

async function reconcile(args: string[]): Promise<number> {
  const { values } = parse(args, { stack: { type: "string" }, yes: { type: "boolean", default: false } });
  const project = await PulumiProject.open(process.cwd());
  if (!(await mendTornBackend(project, values.yes))) return 1;
  const stack = await project.stackName(values.stack);
  const state = await project.exportState(stack);
  const plan = await planReconcile(state, await project.credentials(stack));
  for (const line of describePlan(plan)) write(line);
  if (plan.operations.length === 0) return 0;
  const forPerson = plan.operations.some((p) => p.needsPerson) ? 1 : 0;
  if (!values.yes) {
    write("Nothing was changed. Run `utho-tokens reconcile --yes` to carry the plan out.");
    return forPerson;
  }
  const result = await applyReconcile(project, plan);
  write(
    `Revoked ${result.revoked.length ? result.revoked.join(", ") : "nothing"}; cleared ${result.cleared} pending ` +
      `operation${result.cleared === 1 ? "" : "s"} from stack ${stack}. Now run the interrupted command again.`,
  );
  const leftAlone = plan.operations.flatMap((p) => p.leftAlone);
  if (leftAlone.length > 0) {
    write(
      `Left for a person: ${leftAlone.map((t) => `${t.id} ("${t.name}", ${t.scope})`).join(", ")}; ` +
        "revoke each one that no stack manages (`utho-tokens audit`).",
    );
  }
  return forPerson;
}

function failOnList(values: string[]): FailOn[] {
  const list = values.flatMap((v) => v.split(",")).map((v) => v.trim());
  for (const item of list) {
    if (!(FAIL_ON as readonly string[]).includes(item)) {
      throw new UthoConfigError(`--fail-on: must be one of ${FAIL_ON.join(", ")}; "${item}" is not one`);
    }
  }
  return list as FailOn[];
}

async function audit(args: string[]): Promise<number> {
  const { values } = parse(args, {
    stack: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
    "stale-after": { type: "string", default: "90d" },
    "fail-on": { type: "string", multiple: true, default: [] },
  });
  const staleAfter = values["stale-after"];
  const staleAfterMs = parseDuration(staleAfter);
  if ("problem" in staleAfterMs) throw new UthoConfigError(`--stale-after: ${staleAfterMs.problem}`);
  const failOn = failOnList(values["fail-on"]);
  const clock = now();

  const project = await PulumiProject.open(process.cwd());
  const requested = values.stack ?? [undefined];
  const names = [];
  for (const name of requested) names.push(await project.stackName(name));
  const stacks: AuditedStack[] = [];
  for (const name of names) {
    stacks.push({ name, tokens: tokensInState((await project.exportState(name)).deployment) });
  }
  const { client } = accountFor(await project.credentials(names[0] as string));
  const [user, listing] = await Promise.all([client.account.info(), client.apiTokens.list()]);
  const report = auditAccount(listing, stacks, String(user.id ?? ""), {
    staleAfter,
    staleAfterMs: staleAfterMs.ms,
    now: clock,
  });
  const failed = failures(report, failOn);
  write(values.json ? JSON.stringify({ ...report, failures: failed }, null, 2) : formatAudit(report));
  for (const failure of failed) process.stderr.write(`utho-tokens audit: ${failure}\n`);
  return failed.length > 0 ? 1 : 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { reconcile, audit };

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UthoConfigError(`a command is required\n\n${USAGE}`);
  if (["--help", "-h", "help"].includes(command) || rest.includes("--help") || rest.includes("-h")) {
    write(USAGE);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new UthoConfigError(`unknown command "${command}"\n\n${USAGE}`);
  return run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const message = error instanceof UthoError ? error.message : redactSecrets(String(error));
      process.stderr.write(`utho-tokens: ${message}\n`);
      process.exitCode = 2;
    },
  );
}
