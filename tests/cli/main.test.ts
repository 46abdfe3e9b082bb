/**
 * `utho-tokens` as a pipeline runs it, against a real emulator and a stand-in for the Pulumi CLI
 * that keeps two stacks' states in memory (the real CLI's own behaviour is the e2e tests'). What
 * is checked: the exit codes, the flags (`--stack` repeated or with commas, each stack once,
 * `--json`, `--version`), one-line errors, and reconcile's promises: it never asks for the
 * secrets of the state, the only file it writes is private and gone afterwards whatever the
 * outcome, nothing is revoked while a run holds the lock, and it carries out the plan it printed
 * or writes nothing (a stack changed underneath). The stand-in drops pending operations on
 * import, as Pulumi 3.259 does.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { exitCodeOf } from "../../cli/exit";
import { type Context, main } from "../../cli/main";
import { type PulumiCli, pulumiFailure, pulumiIn } from "../../cli/pulumi";
import { ApiTokenProviderError } from "../../provider/errors";
import { UthoAuthError } from "../../sdk/errors";
import { SDK_VERSION } from "../../sdk/version";
import { useEmulator } from "../support/emulator";

const TYPE = "pulumi-nodejs:dynamic/utho:ApiToken";
const SIG = "4dabf18193072939515e22adb298388d";
const encrypted = {
  [SIG]: "1b47061264138c4ac30d75fd1eb44270",
  ciphertext: "v1:AoH8k9XVzsSRmGCu:NbPmphq65l2R",
};
const urn = (stack: string, name: string) => `urn:pulumi:${stack}::tokens::${TYPE}::${name}`;

/** What Pulumi 3.259 prints to stderr for these failures (seen with its file backend). */
const LOCKED =
  "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete " +
  "the lock file with `pulumi cancel`.\n";
const WRONG_PASSPHRASE = "error: incorrect passphrase\n";

interface Exported {
  version: number;
  deployment: Record<string, unknown>;
}

/** A stack holding token `heldId`, with a create of `pendingName` interrupted. */
function stackState(stack: string, heldId: string, pendingName: string): Exported {
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-12-01T10:00:00Z", magic: "x", version: "v3.259.0" },
      secrets_providers: { type: "passphrase", state: { salt: "v1:x" } },
      resources: [
        {
          urn: urn(stack, "ci"),
          custom: true,
          id: heldId,
          type: TYPE,
          outputs: { name: "ci-1a2b3c4d", scope: "read", tokenId: heldId, token: encrypted },
        },
      ],
      pending_operations: [
        {
          resource: {
            urn: urn(stack, "new"),
            custom: true,
            type: TYPE,
            inputs: { name: pendingName, scope: "write", autoNamed: true },
          },
          type: "creating",
        },
      ],
    },
  };
}

interface Fake extends PulumiCli {
  stacks: Map<string, Exported>;
  calls: string[][];
  /** Each file `stack import` was given: its mode, its folder's mode, its content. */
  imported: { mode: number; dirMode: number; content: string }[];
  /** Called before each export of `stack`, with how many came before; may change the state. */
  beforeExport?: (stack: string, count: number) => void;
  /** Called before each import; may throw as the CLI would fail. */
  beforeImport?: (stack: string, count: number) => void;
  /** Called before each `pulumi state protect|unprotect`, reconcile's lock probe. */
  beforeProbe?: (stack: string) => void;
  /** `stack export --show-secrets`: refused unless a test gives the decrypted state. */
  decrypted?: Map<string, Exported>;
}

function fakePulumi(key: string, baseUrl: string): Fake {
  const exports = new Map<string, number>();
  const imports = new Map<string, number>();
  const fake: Fake = {
    stacks: new Map(),
    calls: [],
    imported: [],
    run: async (args) => {
      fake.calls.push([...args]);
      const stack = args[args.indexOf("--stack") + 1] as string;
      const [a, b] = args;
      if (a === "stack" && b === "ls") {
        const names = [...fake.stacks.keys()];
        return JSON.stringify(names.map((name, i) => ({ name, current: i === 0 })));
      }
      if (a === "whoami") return JSON.stringify({ user: "ci", url: "postgres://db/state" });
      if (a === "config") {
        return JSON.stringify({
          "utho:apiKey": { value: key, secret: false },
          "utho:baseUrl": { value: baseUrl },
        });
      }
      if (a === "stack" && b === "export") {
        if (args.includes("--show-secrets")) {
          const decrypted = fake.decrypted?.get(stack);
          if (!decrypted) throw new Error("the state's secrets were asked for");
          return JSON.stringify(decrypted);
        }
        const count = exports.get(stack) ?? 0;
        exports.set(stack, count + 1);
        fake.beforeExport?.(stack, count);
        return JSON.stringify(fake.stacks.get(stack));
      }
      if (a === "stack" && b === "import") {
        const file = args[args.indexOf("--file") + 1] as string;
        fake.imported.push({
          mode: statSync(file).mode & 0o777,
          dirMode: statSync(path.dirname(file)).mode & 0o777,
          content: readFileSync(file, "utf8"),
        });
        const count = imports.get(stack) ?? 0;
        imports.set(stack, count + 1);
        fake.beforeImport?.(stack, count);
        const imported = JSON.parse(readFileSync(file, "utf8")) as Exported;
        // As Pulumi 3.259 does, even with --force.
        delete imported.deployment.pending_operations;
        fake.stacks.set(stack, imported);
        return "Import complete.\n";
      }
      if (a === "state" && (b === "protect" || b === "unprotect")) {
        fake.beforeProbe?.(stack);
        return "1 resources unprotected\n";
      }
      throw new Error(`unexpected pulumi ${args.join(" ")}`);
    },
  };
  return fake;
}

const emulator = useEmulator();
let project = "";
let tmp = "";
const savedTmp = process.env.TMPDIR;

beforeEach(() => {
  project = mkdtempSync(path.join(tmpdir(), "utho-cli-project-"));
  writeFileSync(path.join(project, "Pulumi.yaml"), "name: tokens\nruntime: nodejs\n");
  // A folder of its own for os.tmpdir(), to see everything the command leaves there.
  tmp = mkdtempSync(path.join(tmpdir(), "utho-cli-tmp-"));
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  process.env.TMPDIR = savedTmp;
  if (savedTmp === undefined) delete process.env.TMPDIR;
  rmSync(project, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

async function run(argv: string[], pulumi?: PulumiCli) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: Context = { cwd: project, stdout: (t) => out.push(t), stderr: (t) => err.push(t), pulumi };
  const code = await main(argv, ctx);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** Two stacks, each with a token it holds and one an interrupted create minted. */
function twoStacks() {
  const em = emulator.current;
  const fake = fakePulumi(em.rootKey, em.baseUrl);
  const tokens: Record<string, { held: string; stray: string }> = {};
  for (const stack of ["dev", "prod"]) {
    const held = em.createTokenOutOfBand(`ci-${stack}`, "read").id;
    const strayName = `new-${stack}0a1b2c3d`;
    const stray = em.createTokenOutOfBand(strayName, "write").id;
    fake.stacks.set(`organization/tokens/${stack}`, stackState(stack, held, strayName));
    tokens[stack] = { held, stray };
  }
  return { fake, tokens, live: () => em.listTokens().map((t) => t.id) };
}

const pending = (fake: Fake, stack: string) =>
  (
    (fake.stacks.get(`organization/tokens/${stack}`) as Exported).deployment.pending_operations as
      | unknown[]
      | undefined
  )?.length ?? 0;

describe("reconcile", () => {
  it("reconciles every stack given (repeated or with commas), reports them as JSON, and leaves no file", async () => {
    const { fake, tokens, live } = twoStacks();
    const result = await run(["reconcile", "--stack", "dev,prod", "--stack", "dev", "--yes", "--json"], fake);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const report = JSON.parse(result.stdout) as { stacks: { stack: string; applied: unknown }[] };
    expect(report.stacks.map((s) => [s.stack, s.applied])).toEqual([
      ["organization/tokens/dev", { revoked: [tokens.dev?.stray], cleared: 1 }],
      ["organization/tokens/prod", { revoked: [tokens.prod?.stray], cleared: 1 }],
    ]);
    expect(live().sort()).toEqual([tokens.dev?.held, tokens.prod?.held].sort());
    expect([pending(fake, "dev"), pending(fake, "prod")]).toEqual([0, 0]);
    // Every file handed to `pulumi stack import` was private and held the secrets as ciphertext.
    expect(fake.imported.length).toBe(2);
    for (const file of fake.imported) {
      expect([file.mode, file.dirMode]).toEqual([0o600, 0o700]);
      expect(file.content).not.toContain('"plaintext"');
      expect(file.content).toContain(encrypted.ciphertext);
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("without --yes prints the plan of each stack and writes nothing", async () => {
    const { fake, tokens } = twoStacks();
    const result = await run(["reconcile", "--stack", "dev", "--stack", "prod"], fake);
    expect(result.code).toBe(0);
    for (const stack of ["dev", "prod"]) {
      expect(result.stdout).toContain(`Stack organization/tokens/${stack}: 1 interrupted operation`);
      expect(result.stdout).toContain(`minted (id ${tokens[stack]?.stray}) but never recorded; revoke it`);
    }
    expect(fake.imported).toEqual([]);
  });

  it("says that Pulumi's import clears other resources' pending operations too, and wants a person (exit 1)", async () => {
    const { fake } = twoStacks();
    const dev = fake.stacks.get("organization/tokens/dev") as Exported;
    const bucket = "urn:pulumi:dev::tokens::aws:s3/bucket:Bucket::b";
    (dev.deployment.pending_operations as unknown[]).push({
      resource: { urn: bucket, type: "aws:s3/bucket:Bucket" },
      type: "creating",
    });
    const result = await run(["reconcile", "--stack", "dev"], fake);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `not an ApiToken, cleared too (\`pulumi stack import\` drops every pending operation): creating ${bucket}`,
    );
  });

  it("reads a pending create's encrypted connection, and only then, into memory, to look in that account", async () => {
    const { fake, tokens, live } = twoStacks();
    // The stack's own key is not the account's: only the resource's connection reaches it.
    const offAccount = fakePulumi("wrong-key-0123456789abcdef", "http://127.0.0.1:9/v2");
    offAccount.stacks = fake.stacks;
    const dev = fake.stacks.get("organization/tokens/dev") as Exported;
    const clear = JSON.parse(JSON.stringify(dev)) as Exported;
    const inputsOf = (state: Exported) =>
      (state.deployment.pending_operations as { resource: { inputs: Record<string, unknown> } }[])[0]
        ?.resource.inputs as Record<string, unknown>;
    const { baseUrl, rootKey } = emulator.current;
    inputsOf(dev).connection = encrypted;
    inputsOf(clear).connection = {
      [SIG]: encrypted[SIG],
      plaintext: JSON.stringify({ apiKey: rootKey, baseUrl }),
    };
    offAccount.decrypted = new Map([["organization/tokens/dev", clear]]);
    const result = await run(["reconcile", "--stack", "dev", "--yes"], offAccount);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(live()).not.toContain(tokens.dev?.stray);
    expect(offAccount.calls.filter((args) => args.includes("--show-secrets"))).toHaveLength(1);
    expect(result.stdout).not.toContain(rootKey);
  });

  it("looks for a plugin token's pending create in its provider's account, reading that provider's key into memory", async () => {
    const em = emulator.current;
    // The stack's config names another account: a plugin token's account is its provider's.
    const fake = fakePulumi("wrong-key-0123456789abcdef", "http://127.0.0.1:9/v2");
    const strayName = "ci-0a1b2c3d4e5f6a7b";
    const stray = em.createTokenOutOfBand(strayName, "write").id;
    const PROVIDER = "pulumi:providers:utho";
    const provider = `urn:pulumi:dev::tokens::${PROVIDER}::account`;
    const state = (apiKey: unknown): Exported => ({
      version: 3,
      deployment: {
        resources: [
          { urn: provider, custom: true, id: "p1", type: PROVIDER, inputs: { apiKey, baseUrl: em.baseUrl } },
        ],
        pending_operations: [
          {
            resource: {
              urn: "urn:pulumi:dev::tokens::utho:index:ApiToken::ci",
              custom: true,
              type: "utho:index:ApiToken",
              provider: `${provider}::p1`,
              inputs: { name: strayName, scope: "write", autoNamed: true },
            },
            type: "creating",
          },
        ],
      },
    });
    fake.stacks.set("organization/tokens/dev", state(encrypted));
    fake.decrypted = new Map([
      ["organization/tokens/dev", state({ [SIG]: encrypted[SIG], plaintext: JSON.stringify(em.rootKey) })],
    ]);
    const result = await run(["reconcile", "--stack", "dev", "--yes"], fake);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain(`minted (id ${stray}) but never recorded; revoke it`);
    expect(em.listTokens().map((t) => t.id)).not.toContain(stray);
    expect(fake.calls.filter((args) => args.includes("--show-secrets"))).toHaveLength(1);
    expect(result.stdout).not.toContain(em.rootKey);
  });

  it("does not look for a plugin token whose provider it cannot read in another account: a person looks (exit 1)", async () => {
    const em = emulator.current;
    const fake = fakePulumi(em.rootKey, em.baseUrl);
    const stray = em.createTokenOutOfBand("ci-0a1b2c3d4e5f6a7b", "write").id;
    const provider = "urn:pulumi:dev::tokens::pulumi:providers:utho::account";
    // A state without the provider resource the pending create names.
    const state: Exported = {
      version: 3,
      deployment: {
        resources: [],
        pending_operations: [
          {
            resource: {
              urn: "urn:pulumi:dev::tokens::utho:index:ApiToken::ci",
              type: "utho:index:ApiToken",
              provider: `${provider}::p1`,
              inputs: { name: "ci-0a1b2c3d4e5f6a7b", scope: "write", autoNamed: true },
            },
            type: "creating",
          },
        ],
      },
    };
    fake.stacks.set("organization/tokens/dev", state);
    fake.decrypted = new Map([["organization/tokens/dev", state]]);
    const result = await run(["reconcile", "--stack", "dev"], fake);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `its provider ${provider} could not be read, so its account was not searched`,
    );
    expect(em.listTokens().map((t) => t.id)).toContain(stray);
  });

  it("refuses while a run holds the lock (exit 3): nothing revoked, nothing left in the temp folder", async () => {
    const { fake, tokens, live } = twoStacks();
    fake.beforeProbe = (stack) => {
      throw pulumiFailure(["state", "unprotect"], stack, LOCKED);
    };
    const result = await run(["reconcile", "--stack", "dev", "--yes"], fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      "utho-tokens: Stack organization/tokens/dev is locked: a run is going on, or a killed run left its lock. " +
        "If no run is going on, run `pulumi cancel` first; otherwise try again when it has finished. Nothing was revoked.",
    );
    expect(live()).toContain(tokens.dev?.stray);
    expect(pending(fake, "dev")).toBe(1);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("refuses a stack changed since the plan was read (exit 3), revoking nothing", async () => {
    const { fake, tokens, live } = twoStacks();
    // The second read, just before acting: an `up` ran after the plan.
    fake.beforeExport = (stack, count) => {
      if (count === 1)
        ((fake.stacks.get(stack) as Exported).deployment.resources as unknown[]).push({
          urn: "x",
          type: "y",
        });
    };
    const result = await run(["reconcile", "--stack", "dev", "--yes"], fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^utho-tokens: Stack \S+dev changed since the plan was made; nothing was revoked/,
    );
    expect(live()).toContain(tokens.dev?.stray);
    expect(fake.imported).toEqual([]);
  });

  it("tells a secret's new ciphertext alone (every write re-encrypts) from a run that changed that secret", async () => {
    const resourceOf = (fake: Fake, stack: string) =>
      (
        (fake.stacks.get(stack) as Exported).deployment.resources as { outputs: Record<string, unknown> }[]
      )[0] as {
        outputs: Record<string, unknown>;
        modified?: string;
      };
    const reencrypted = twoStacks();
    reencrypted.fake.beforeExport = (stack, count) => {
      if (count === 1)
        resourceOf(reencrypted.fake, stack).outputs.token = { ...encrypted, ciphertext: "v1:other" };
    };
    expect((await run(["reconcile", "--stack", "dev", "--yes"], reencrypted.fake)).code).toBe(0);

    // A run that changes only a secret stamps the resource's `modified` beside the new ciphertext.
    const changed = twoStacks();
    changed.fake.beforeExport = (stack, count) => {
      if (count !== 1) return;
      const resource = resourceOf(changed.fake, stack);
      resource.outputs.token = { ...encrypted, ciphertext: "v1:other" };
      resource.modified = "2026-12-01T11:00:00Z";
    };
    const result = await run(["reconcile", "--stack", "dev", "--yes"], changed.fake);
    expect(result.code).toBe(3);
    expect(changed.live()).toContain(changed.tokens.dev?.stray);
  });

  it("refuses to write a stack a run changed while it revoked (exit 3): the run's state stays as the run left it", async () => {
    const { fake, tokens, live } = twoStacks();
    // The read after the revocations: an `up` ran meanwhile and cleared the pending operation.
    fake.beforeExport = (stack, count) => {
      if (count === 2) (fake.stacks.get(stack) as Exported).deployment.pending_operations = [];
    };
    const result = await run(["reconcile", "--stack", "dev", "--yes"], fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `changed while reconcile revoked ${tokens.dev?.stray} (tokens no state held); nothing was written`,
    );
    expect(live()).not.toContain(tokens.dev?.stray);
    expect(fake.imported).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("a failed write (exit 4) leaves its pending operations and no file behind", async () => {
    const { fake } = twoStacks();
    fake.beforeImport = (stack) => {
      throw pulumiFailure(["stack", "import"], stack, "error: could not import: the backend went away\n");
    };
    const result = await run(["reconcile", "--stack", "dev", "--yes"], fake);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(
      "utho-tokens: Reconcile of stack organization/tokens/dev revoked 176301, then could not write the state: " +
        "`pulumi stack import` failed for stack organization/tokens/dev: error: could not import: the backend went " +
        "away. Its pending operations stay as they were; run it again.",
    );
    expect(pending(fake, "dev")).toBe(1);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("a failed revocation is an API failure (exit 4) naming what was done", async () => {
    const { fake } = twoStacks();
    emulator.current.injectFault({ kind: "status-error", method: "DELETE", times: Number.POSITIVE_INFINITY });
    const result = await run(["reconcile", "--stack", "dev", "--yes"], fake);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /^utho-tokens: Reconcile of stack \S+dev stopped after revoking nothing: .*run it again\.$/,
    );
    expect(pending(fake, "dev")).toBe(1);
  });
});

describe("audit", () => {
  it("lists each stack's tokens once, however the stacks are named, and gates with exit 1", async () => {
    const { fake, tokens } = twoStacks();
    const result = await run(
      [
        "audit",
        "--stack",
        "dev",
        "--stack",
        "dev,prod",
        "--stack",
        "organization/tokens/dev",
        "--json",
        "--fail-on",
        "write",
      ],
      fake,
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      stacks: string[];
      tokens: { id: string; managedBy: unknown[] }[];
    };
    expect(report.stacks).toEqual(["organization/tokens/dev", "organization/tokens/prod"]);
    const managed = report.tokens
      .filter((t) => t.managedBy.length > 0)
      .map((t) => [t.id, t.managedBy.length]);
    expect(managed.sort()).toEqual(
      [
        [tokens.dev?.held, 1],
        [tokens.prod?.held, 1],
      ].sort(),
    );
    expect(result.stderr).toMatch(/^utho-tokens audit: 2 unmanaged Write tokens/);
    // Nothing written, nothing decrypted: the fake refuses --show-secrets.
    expect(fake.calls.filter(([a, b]) => a === "stack" && b === "import")).toEqual([]);
  });
});

describe("the command line", () => {
  it("prints its version and its help, which documents the exit codes", async () => {
    expect(await run(["--version"])).toEqual({ code: 0, stdout: SDK_VERSION, stderr: "" });
    const help = await run(["reconcile", "--help"]);
    expect(help.code).toBe(0);
    for (const code of ["0  done", "1  findings", "2  usage", "3  the stack is locked", "4  a request"])
      expect(help.stdout).toContain(code);
  });

  it("takes a provider error's exit code from its cause: a key Utho refuses while revoking is configuration (2)", () => {
    const refused = new UthoAuthError({ method: "DELETE", path: "/v2/api/1/delete" }, 401, "Unauthorized");
    expect(exitCodeOf(new ApiTokenProviderError("Revoking token 1 failed.", { cause: refused }))).toBe(2);
    expect(
      exitCodeOf(new ApiTokenProviderError("Revoking token 1 failed.", { cause: new Error("reset") })),
    ).toBe(4);
  });

  it("refuses bad usage with one line and exit 2", async () => {
    for (const argv of [
      [],
      ["rekoncile"],
      ["audit", "--stack"],
      ["audit", "--stack", "dev,"],
      ["reconcile", "--yess"],
      ["reconcile", "--repair-backend"],
    ]) {
      const result = await run(argv, fakePulumi("k", "http://x"));
      expect(result.code).toBe(2);
      expect(result.stderr.split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/^utho-tokens: /);
    }
  });

  it("says plainly, with exit 2, that `pulumi` is missing or the passphrase is wrong", async () => {
    const missing = await run(["audit"], pulumiIn(project, path.join(project, "no-such-pulumi")));
    expect(missing).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "utho-tokens: The Pulumi CLI (`pulumi`) is not on the PATH: install it (https://www.pulumi.com/docs/install/) " +
        "or add its directory to PATH.",
    });
    const fake = fakePulumi("k", "http://x");
    fake.stacks.set("organization/tokens/dev", stackState("dev", "1", "n"));
    fake.beforeExport = (stack) => {
      throw pulumiFailure(["stack", "export"], stack, WRONG_PASSPHRASE);
    };
    const wrong = await run(["reconcile"], fake);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      "utho-tokens: Pulumi cannot decrypt the secrets of stack organization/tokens/dev: a wrong or missing passphrase " +
        "(PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE), or no access to its secrets provider.",
    );
  });

  it("names a missing Pulumi project, with exit 2", async () => {
    const empty = path.join(project, "empty");
    mkdirSync(empty);
    const out: string[] = [];
    const code = await main(["audit"], {
      cwd: empty,
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
    });
    expect(code).toBe(2);
    expect(out.join("\n")).toMatch(/^utho-tokens: No Pulumi project in .*: it has no Pulumi.yaml/);
  });
});
