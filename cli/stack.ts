/**
 * A Pulumi stack of the project in the working directory, through the Automation API (which runs
 * the Pulumi CLI; nothing here parses CLI text): its state, exported and imported, and the Utho
 * credentials its config holds. Stacks are named on every call (`--stack`), never selected, so
 * the user's current stack stays as it was.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { describe } from "../provider/errors";
import { UthoConfigError } from "../sdk/errors";
import { registerSecret } from "../sdk/redact";
import { type Deployment, deploymentSchema, registerStateSecrets } from "./state";

export interface StackState {
  /** The stack's name as the backend lists it. */
  name: string;
  /** The exported deployment, validated where it is read. */
  deployment: Deployment;
  /** The deployment exactly as exported, for an import that keeps everything else. */
  raw: Record<string, unknown>;
  version: number;
}

export interface StackCredentials {
  apiKey?: string;
  baseUrl?: string;
}

/**
 * Pulumi 3.259's PostgreSQL backend lists a project's stacks with up to
 * PULUMI_DIY_BACKEND_PARALLEL (default 10) workers, each holding one of its 2 x CPUs database
 * connections while it waits for another: with that many stacks `stack ls` hangs for good, and
 * audit lists stacks. One worker avoids it and costs nothing here; a value the user set wins.
 */
const LISTING_ENV: Record<string, string> =
  process.env.PULUMI_DIY_BACKEND_PARALLEL === undefined ? { PULUMI_DIY_BACKEND_PARALLEL: "1" } : {};

/** A bare "EOF" from the CLI reading a stack: the mark of a file backend torn by a kill (`backend.ts`). */
async function unlessTorn<T>(reading: Promise<T>): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (!/error: (failed to load checkpoint: )?EOF\b/.test(describe(error))) throw error;
    throw new UthoConfigError(
      "Pulumi cannot read the stack's state (EOF): a run killed while it saved the state can leave a torn " +
        "metadata file in a file backend. `utho-tokens reconcile` finds it, and with --yes removes it.",
      { cause: error },
    );
  }
}

export class PulumiProject {
  private constructor(
    readonly dir: string,
    private readonly workspace: LocalWorkspace,
  ) {}

  /** The project in `dir`: it must hold a Pulumi.yaml, and the Pulumi CLI must be on the PATH. */
  static async open(dir: string): Promise<PulumiProject> {
    if (!["Pulumi.yaml", "Pulumi.yml"].some((file) => existsSync(path.join(dir, file)))) {
      throw new UthoConfigError(
        `No Pulumi project in ${dir}: it has no Pulumi.yaml. Run utho-tokens from the directory of the project whose stacks manage the tokens.`,
      );
    }
    try {
      return new PulumiProject(dir, await LocalWorkspace.create({ workDir: dir, envVars: LISTING_ENV }));
    } catch (error) {
      throw new UthoConfigError(`Cannot run the Pulumi CLI for the project in ${dir}: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** The full name of stack `requested`, or of the current stack when none is given. */
  async stackName(requested?: string): Promise<string> {
    const name = requested ?? (await this.workspace.stack())?.name;
    if (!name) {
      throw new UthoConfigError(
        "No stack selected: pass --stack <name>, or select one with `pulumi stack select <name>`.",
      );
    }
    const stacks = (await unlessTorn(this.workspace.listStacks())).map((s) => s.name);
    const found = stacks.find((s) => s === name || s.endsWith(`/${name}`));
    if (!found) {
      throw new UthoConfigError(
        `--stack: this project has no stack "${name}" in its backend (its stacks: ${stacks.join(", ") || "none"}).`,
      );
    }
    return found;
  }

  async exportState(stack: string): Promise<StackState> {
    const exported = await unlessTorn(this.workspace.exportStack(stack));
    const raw = (exported.deployment ?? {}) as Record<string, unknown>;
    // Exported with its secrets in clear: none of them may reach anything this tool prints.
    registerStateSecrets(raw, registerSecret);
    const parsed = deploymentSchema.safeParse(raw);
    if (!parsed.success) {
      throw new UthoConfigError(
        `The state of stack "${stack}" is not a Pulumi deployment this tool can read: ${parsed.error.issues[0]?.message}`,
      );
    }
    return { name: stack, deployment: parsed.data, raw, version: exported.version };
  }

  /** The backend's URL as the CLI resolves it: the environment, the project, or the login. */
  async backendUrl(): Promise<string | undefined> {
    const fromProject = (await this.workspace.projectSettings()).backend?.url;
    return process.env.PULUMI_BACKEND_URL || fromProject || (await this.workspace.whoAmI()).url;
  }

  async importState(stack: string, version: number, raw: Record<string, unknown>): Promise<void> {
    await this.workspace.importStack(stack, { version, deployment: raw });
  }

  /** `utho:apiKey` and `utho:baseUrl` from the stack's config (decrypted by the CLI), if set. */
  async credentials(stack: string): Promise<StackCredentials> {
    const config = await this.workspace.getAllConfig(stack);
    const apiKey = config["utho:apiKey"]?.value || undefined;
    registerSecret(apiKey);
    const baseUrl = config["utho:baseUrl"]?.value || undefined;
    return { ...(apiKey ? { apiKey } : {}), ...(baseUrl ? { baseUrl } : {}) };
  }
}
