/**
 * A Pulumi stack of the project in the working directory, through the Pulumi CLI (`pulumi.ts`):
 * its state, exported with its secrets still encrypted (but for the one case of
 * `pendingConnections`, in memory) and imported back from a private file,
 * and the Utho credentials its config holds. Stacks are named on every call (`--stack`), never
 * selected, so the user's current stack stays as it was. The Automation API is not used: its
 * `exportStack` decrypts every secret, and its `importStack` writes them, decrypted, to a file in
 * the system's temporary folder that outlives a failed import.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { UthoConfigError } from "../sdk/errors";
import { SecretRedactor } from "../sdk/redact";
import { type PulumiCli, pulumiIn, withPrivateFile } from "./pulumi";
import {
  type Connection,
  connectionsOfPending,
  type Deployment,
  deploymentSchema,
  lockProbeTarget,
  providersOfState,
  registerStateSecrets,
} from "./state";

export interface StackState {
  /** The stack's name as the backend lists it. */
  name: string;
  /** The exported deployment, validated where it is read; secrets are ciphertext. */
  deployment: Deployment;
  /** The deployment exactly as exported, for an import that keeps everything else. */
  raw: Record<string, unknown>;
  version: number;
}

export interface StackCredentials {
  apiKey?: string;
  baseUrl?: string;
}

/** Where reconcile reads and writes a stack's state: the CLI here, a fake in tests. */
export interface StateStore {
  exportState(stack: string): Promise<StackState>;
  /** Takes the stack's lock and lets it go, changing nothing; fails while a run holds it. */
  probeLock(state: StackState): Promise<void>;
  importState(stack: string, version: number, raw: Record<string, unknown>): Promise<void>;
}

const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml"];

const exportSchema = z.object({ version: z.number(), deployment: z.record(z.string(), z.unknown()) });
const stackListSchema = z.array(z.object({ name: z.string(), current: z.boolean().optional() }));
const configSchema = z.record(
  z.string(),
  z.object({ value: z.string().optional(), secret: z.boolean().optional() }),
);

function parseJson<T>(text: string, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UthoConfigError(`${what}: the Pulumi CLI printed no JSON (is it older than 3.0?)`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new UthoConfigError(`${what}: unexpected JSON (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

export class PulumiProject implements StateStore {
  private constructor(
    readonly dir: string,
    private readonly cli: PulumiCli,
    /** The secrets read from the stacks (a `utho:apiKey`, a pending resource's connection), for redaction. */
    readonly secrets: SecretRedactor,
  ) {}

  private readonly secretStates = new Map<string, Promise<Record<string, unknown>>>();

  /** The project in `dir`: it must hold a Pulumi.yaml. */
  static open(dir: string, cli: PulumiCli = pulumiIn(dir), secrets = new SecretRedactor()): PulumiProject {
    if (!PROJECT_FILES.some((file) => existsSync(path.join(dir, file)))) {
      throw new UthoConfigError(
        `No Pulumi project in ${dir}: it has no Pulumi.yaml. Run utho-tokens from the directory of the project whose stacks manage the tokens.`,
      );
    }
    return new PulumiProject(dir, cli, secrets);
  }

  /**
   * The project's name, the top-level `name:` of its Pulumi.yaml, read without the CLI (which
   * cannot start on a torn backend). Only a torn file backend's repair needs it.
   */
  projectName(): string | undefined {
    const file = PROJECT_FILES.map((f) => path.join(this.dir, f)).find((f) => existsSync(f));
    const match = file && /^name:[ \t]*["']?([^"'\s#]+)/m.exec(readFileSync(file, "utf8"));
    return match ? match[1] : undefined;
  }

  /** The full name of stack `requested`, or of the current stack when none is given. */
  async stackName(requested?: string): Promise<string> {
    const stacks = parseJson(
      await this.cli.run(["stack", "ls", "--json"]),
      stackListSchema,
      "pulumi stack ls",
    );
    const name = requested ?? stacks.find((s) => s.current)?.name;
    if (!name) {
      throw new UthoConfigError(
        "No stack selected: pass --stack <name>, or select one with `pulumi stack select <name>`.",
      );
    }
    const found = stacks.find((s) => s.name === name || s.name.endsWith(`/${name}`));
    if (!found) {
      throw new UthoConfigError(
        `--stack: this project has no stack "${name}" in its backend (its stacks: ${stacks.map((s) => s.name).join(", ") || "none"}).`,
      );
    }
    return found.name;
  }

  /** The state as `pulumi stack export` gives it without --show-secrets: no decryption, no rights needed. */
  async exportState(stack: string): Promise<StackState> {
    const exported = parseJson(
      await this.cli.run(["stack", "export", "--stack", stack], { stack }),
      exportSchema,
      "pulumi stack export",
    );
    const parsed = deploymentSchema.safeParse(exported.deployment);
    if (!parsed.success) {
      throw new UthoConfigError(
        `The state of stack "${stack}" is not a Pulumi deployment this tool can read: ${parsed.error.issues[0]?.message}`,
      );
    }
    return { name: stack, deployment: parsed.data, raw: exported.deployment, version: exported.version };
  }

  /**
   * Sets a resource's `protect` flag to what it already is: `pulumi state protect|unprotect`
   * takes the lock (and fails while a run holds it), writes the state back as it was, pending
   * operations included, and needs no passphrase. (`pulumi stack import`, the other way to take
   * the lock, drops every pending operation: Pulumi 3.259 does so even with --force.) A state
   * with no resource at all is not probed; the final import still takes the lock.
   */
  async probeLock(state: StackState): Promise<void> {
    const target = lockProbeTarget(state.deployment);
    if (!target) return;
    const command = target.protect ? "protect" : "unprotect";
    await this.cli.run(["state", command, target.urn, "--yes", "--stack", state.name], { stack: state.name });
  }

  /**
   * `pulumi stack import` from a private file, removed whatever the outcome. Pulumi drops every
   * pending operation of the file it imports.
   */
  async importState(stack: string, version: number, raw: Record<string, unknown>): Promise<void> {
    await withPrivateFile(JSON.stringify({ version, deployment: raw }), (file) =>
      this.cli.run(["stack", "import", "--file", file, "--stack", stack], { stack }),
    );
  }

  /** The backend's URL as the CLI resolves it: the environment, the project, or the login. */
  async backendUrl(): Promise<string | undefined> {
    if (process.env.PULUMI_BACKEND_URL) return process.env.PULUMI_BACKEND_URL;
    const whoami = parseJson(
      await this.cli.run(["whoami", "--json"]),
      z.object({ url: z.string().optional() }),
      "pulumi whoami",
    );
    return whoami.url;
  }

  /**
   * `utho:apiKey` and `utho:baseUrl` from the stack's config, if set. The config is read without
   * its secrets; only a secret `utho:apiKey` is then decrypted, by itself, into memory.
   */
  async credentials(stack: string): Promise<StackCredentials> {
    const config = parseJson(
      await this.cli.run(["config", "--json", "--stack", stack], { stack }),
      configSchema,
      "pulumi config",
    );
    const key = config["utho:apiKey"];
    const apiKey = key?.secret
      ? (await this.cli.run(["config", "get", "utho:apiKey", "--stack", stack], { stack })).replace(/\n$/, "")
      : key?.value;
    this.secrets.add(apiKey);
    const baseUrl = config["utho:baseUrl"]?.value || undefined;
    return { ...(apiKey ? { apiKey } : {}), ...(baseUrl ? { baseUrl } : {}) };
  }

  /**
   * The `connection` inputs of the resources with pending operations, which the state keeps
   * encrypted. Read from {@link secretState}; only the connections are kept.
   */
  async pendingConnections(stack: string): Promise<Map<string, Connection>> {
    return connectionsOfPending(await this.secretState(stack));
  }

  /**
   * The settings (`apiKey`, `baseUrl`) of the `utho` plugin's provider resources, by URN: their
   * `apiKey` is a secret of the state. Read from {@link secretState}; only the settings are kept.
   */
  async providerSettings(stack: string): Promise<Map<string, Connection>> {
    return providersOfState(await this.secretState(stack));
  }

  /**
   * The one read of the state with its secrets: into memory (a pipe), never to disk, once per
   * stack and command; every secret of it is added to `secrets`.
   */
  private secretState(stack: string): Promise<Record<string, unknown>> {
    const known = this.secretStates.get(stack);
    if (known) return known;
    const read = this.cli
      .run(["stack", "export", "--show-secrets", "--stack", stack], { stack })
      .then((out) => {
        const exported = parseJson(out, exportSchema, "pulumi stack export");
        registerStateSecrets(exported.deployment, (secret) => this.secrets.add(secret));
        return exported.deployment;
      });
    this.secretStates.set(stack, read);
    return read;
  }
}
