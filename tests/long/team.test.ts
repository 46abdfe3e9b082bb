/**
 * A team's setup: one Utho account, the state of four environment stacks of the root program in
 * a shared PostgreSQL backend (a real server, `tests/support/postgres.ts`), and one runner per
 * pipeline, each in its own checkout with its own Pulumi home, as separate CI machines. The four
 * `up`s run at once and each converges (the next pipeline, on a new runner, changes nothing);
 * every token belongs to exactly one stack, and `utho-tokens audit` over the four finds none
 * unmanaged. A second pipeline of the same stack, started while the first is mid-update, is
 * refused by the backend's lock and sends nothing to Utho. The four `destroy`s at once leave the
 * account empty and no lock behind. No assertion depends on time: the first dev run is kept
 * mid-update by holding its POSTs, not by waiting.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { offlineEnv, type PulumiResult, provisionPulumi, REPO_ROOT, runCommand } from "../../scripts/engine";
import { installIntoProject } from "../../scripts/pack";
import { findPostgres, type RunningPostgres, startPostgres } from "../support/postgres";
import { startForwardingProxy } from "../support/proxy";

jest.setTimeout(240_000);

const API_TOKEN = "pulumi-nodejs:dynamic/utho:ApiToken";
const PASSPHRASE = "team-passphrase";
/** A command still running after this long is stopped (and fails the test), so nothing outlives it. */
const COMMAND_TIMEOUT_MS = 150_000;
const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];

/** Each stack's tokens, as its Pulumi.<stack>.yaml declares them (names are explicit, so distinct). */
const STACKS: Record<string, [name: string, scope: "read" | "write"][]> = {
  dev: [
    ["dev-deployer", "write"],
    ["dev-reader", "read"],
  ],
  staging: [
    ["staging-deployer", "write"],
    ["staging-reader", "read"],
    ["staging-cost-report", "read"],
  ],
  prod: [
    ["prod-deployer", "write"],
    ["prod-monitoring", "read"],
    ["prod-backup", "write"],
  ],
  "preview-123": [
    ["preview-123-deployer", "write"],
    ["preview-123-reader", "read"],
  ],
};
const STACK_NAMES = Object.keys(STACKS);
const TOKEN_COUNT = Object.values(STACKS).flat().length;

interface Proxy {
  baseUrl: string;
  /** Every request it was sent: method, path, and for a POST the token name asked for. */
  seen: { method: string; path: string; name?: string }[];
  /** Resolves once a request is being held. */
  holding: Promise<void>;
  /** Passes the held requests on, and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of the emulator that counts what it is sent and holds the
 * requests `hold` picks until `release()`: an update kept in flight, with its lock taken, for
 * as long as the test needs and no longer (no timing involved).
 */
async function startProxy(
  target: string,
  hold: (method: string, name: string | undefined) => boolean = () => false,
): Promise<Proxy> {
  let released = false;
  const held: (() => void)[] = [];
  let signalHolding = () => {};
  const holding = new Promise<void>((resolve) => {
    signalHolding = resolve;
  });
  const seen: Proxy["seen"] = [];
  const proxy = await startForwardingProxy(target, async ({ method, path: urlPath, body }) => {
    const name =
      method === "POST" && body ? (JSON.parse(body.toString("utf8")) as { name?: string }).name : undefined;
    seen.push({ method, path: urlPath, name });
    if (released || !hold(method, name)) return;
    await new Promise<void>((resolve) => {
      held.push(resolve);
      signalHolding();
    });
  });
  return {
    ...proxy,
    seen,
    holding,
    release: () => {
      released = true;
      for (const resume of held.splice(0)) resume();
    },
  };
}

/** A stack file of the root program declaring `tokens`. */
function stackFile(tokens: [string, string][]): string {
  const entries = tokens.map(([name, scope]) => `    - name: ${name}\n      scope: ${scope}\n`).join("");
  return `config:\n  utho-tokens:tokens:\n${entries}`;
}

interface Runner {
  dir: string;
  pulumi(args: string[], stack: string, env?: NodeJS.ProcessEnv): Promise<PulumiResult>;
  uthoTokens(args: string[], env?: NodeJS.ProcessEnv): Promise<PulumiResult>;
}

interface AuditedResource {
  type: string;
  id?: string;
  outputs?: { name?: string; tokenId?: string; token?: { plaintext?: string } };
}

const install = findPostgres();
const TITLE =
  "four stacks in one PostgreSQL backend: concurrent ups converge, a second up of a stack is refused by its lock, " +
  "audit finds nothing unmanaged, concurrent destroys leave nothing";

if ("missing" in install) {
  console.warn(`tests/long/team.test.ts is skipped: ${install.missing}`);
  it.skip(`${TITLE} (skipped: ${install.missing})`, () => {});
} else {
  let pulumiBinary = "";
  let postgres: RunningPostgres | undefined;
  let emulator: RunningEmulator | undefined;
  const proxies: Proxy[] = [];
  let root = "";

  beforeAll(async () => {
    pulumiBinary = provisionPulumi();
    postgres = await startPostgres(install);
    emulator = await startEmulator();
    mkdirSync(path.join(REPO_ROOT, ".e2e"), { recursive: true });
    root = mkdtempSync(path.join(REPO_ROOT, ".e2e", "team-"));
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await emulator?.close();
    postgres?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /**
   * A runner: a checkout of `origin` of its own (a clone of the repo, built) and its own Pulumi
   * home; only the backend URL, the passphrase and the Utho credentials come from the
   * pipeline's secrets. Made again under the same name, it is a new machine with nothing of the
   * last one's disk, checked out at the same path, as GitHub-hosted runners are
   * (/home/runner/work/<repo>/<repo>): the root program's state names the path of the checkout
   * that ran it (provider/host.ts), and a checkout elsewhere cannot delete its tokens.
   */
  const runner = (origin: string, name: string, baseUrl: string): Runner => {
    const dir = path.join(root, name);
    rmSync(dir, { recursive: true, force: true });
    cpSync(origin, dir, { recursive: true, filter: (src) => path.basename(src) !== ".runner" });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // The Automation API, which utho-tokens uses, runs the `pulumi` it finds on the PATH.
      PATH: `${path.dirname(pulumiBinary)}${path.delimiter}${process.env.PATH ?? ""}`,
      ...offlineEnv(path.join(dir, ".runner"), PASSPHRASE),
      PULUMI_BACKEND_URL: (postgres as RunningPostgres).url,
      // No PULUMI_DIY_BACKEND_PARALLEL: `utho-tokens audit` lists the four stacks, which hangs
      // Pulumi 3.259's PostgreSQL backend on 2 cores unless utho-tokens sets it (cli/stack.ts).
      UTHO_API_KEY: (emulator as RunningEmulator).rootKey,
      UTHO_BASE_URL: baseUrl,
    };
    delete env.UTHO_TOKEN;
    return {
      dir,
      pulumi: (args, stack, extra) =>
        runCommand(pulumiBinary, [...args, "--stack", stack], {
          cwd: dir,
          env: { ...env, ...extra },
          timeoutMs: COMMAND_TIMEOUT_MS,
        }),
      uthoTokens: (args, extra) =>
        runCommand(
          process.execPath,
          [path.join(dir, "node_modules/utho-pulumi-tokens/dist/cli/main.js"), ...args],
          {
            cwd: dir,
            env: { ...env, ...extra },
          },
        ),
    };
  };
  const ok = (what: string, result: PulumiResult): PulumiResult => {
    if (result.code !== 0)
      throw new Error(`${what} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  };

  it(TITLE, async () => {
    const utho = emulator as RunningEmulator;
    const pg = postgres as RunningPostgres;
    const started = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => {
      phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
      process.stdout.write(`team: ${phases.at(-1)}\n`);
    };

    // The repo as it is committed: the root program built, the package installed (for
    // `utho-tokens`), and each stack's file, with the salt of its passphrase once the stacks are
    // made (by a person, once, from their own checkout; the files are then committed).
    const origin = path.join(root, "origin");
    mkdirSync(origin);
    cpSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(origin, "Pulumi.yaml"));
    cpSync(path.join(REPO_ROOT, "package.json"), path.join(origin, "package.json"));
    for (const part of ["program", "provider", "sdk"]) {
      cpSync(path.join(REPO_ROOT, "dist", part), path.join(origin, "dist", part), { recursive: true });
    }
    installIntoProject(origin);
    for (const [stack, tokens] of Object.entries(STACKS)) {
      writeFileSync(path.join(origin, `Pulumi.${stack}.yaml`), stackFile(tokens));
    }
    const setup = runner(origin, "setup", utho.baseUrl);
    for (const stack of STACK_NAMES) {
      ok(`stack init ${stack}`, await setup.pulumi(["stack", "init", "--non-interactive"], stack));
      cpSync(path.join(setup.dir, `Pulumi.${stack}.yaml`), path.join(origin, `Pulumi.${stack}.yaml`));
    }
    phase("stacks made");

    // The four pipelines reach Utho through a proxy that holds dev's POSTs until the second dev
    // pipeline has been turned away; the second pipeline has a proxy of its own, to count.
    const gate = await startProxy(
      utho.baseUrl,
      (method, name) => method === "POST" && /^dev-/.test(name ?? ""),
    );
    const second = await startProxy(utho.baseUrl);
    proxies.push(gate, second);
    let runners = Object.fromEntries(
      STACK_NAMES.map((stack) => [stack, runner(origin, stack, gate.baseUrl)]),
    );
    const devAgain = runner(origin, "dev-again", second.baseUrl);

    // A held POST is a request in flight for the SDK: a per-attempt timeout longer than the hold
    // can last, so that a slow refused run cannot make dev's POST time out while the proxy holds
    // it (and then forward it, minting a token the run no longer waits for).
    const gated = { UTHO_TIMEOUT_MS: String(10 * 60_000) };
    const ups = Promise.all(STACK_NAMES.map((stack) => (runners[stack] as Runner).pulumi(UP, stack, gated)));
    const held = await Promise.race([gate.holding.then(() => true), ups.then(() => false)]);
    if (!held)
      throw new Error(`the ups ended before dev's first POST:\n${JSON.stringify(await ups, null, 2)}`);
    // dev's update is under way (its first POST is held): its lock is taken.
    const devTokens = () => utho.listTokens().filter((t) => t.name.startsWith("dev-"));
    /** The backend's locks, every stack's. */
    const locks = () =>
      pg
        .sql("select key from pulumi_state where key like '%/.pulumi/locks/%'")
        .split("\n")
        .filter((key) => key !== "");
    const devBefore = devTokens();
    const devLocks = locks().filter((key) => key.includes("/.pulumi/locks/organization/utho-tokens/dev/"));
    const refused = await devAgain.pulumi(UP, "dev");
    const devAfter = devTokens();
    gate.release();
    const results = await ups;
    phase("concurrent ups");

    process.stdout.write(`team: the refused run said: ${refused.stderr.trim() || refused.stdout.trim()}\n`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /error: the stack is currently locked by 1 lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`\./,
    );
    // It names the lock, a row of the backend's table, with the URL's credentials masked.
    expect(refused.stderr).toMatch(
      /postgres:\/\/\*+:\*+@127\.0\.0\.1:\d+\/\S*\/\.pulumi\/locks\/organization\/utho-tokens\/dev\//,
    );
    expect(refused.stderr).not.toContain(pg.url);
    // The first dev run's lock is one row of the table, as a lock file would be in a folder.
    expect(devLocks).toEqual([expect.stringMatching(/\/dev\/[0-9a-f-]+\.json$/)]);
    // The refused run sent Utho nothing, so it minted nothing.
    expect(second.seen).toEqual([]);
    expect(devBefore).toEqual([]);
    expect(devAfter).toEqual([]);

    results.forEach((result, i) => {
      ok(`up ${STACK_NAMES[i]}`, result);
    });
    // One POST per token in all: nothing minted twice, nothing by the refused run.
    expect(utho.countRequests("POST")).toBe(TOKEN_COUNT);
    expect(utho.listTokens()).toHaveLength(TOKEN_COUNT);

    // The state is in PostgreSQL, one checkpoint per stack.
    const keys = pg.sql("select key from pulumi_state where key like '%.json' order by key").split("\n");
    for (const stack of STACK_NAMES) {
      expect(keys.some((key) => key.endsWith(`/utho-tokens/${stack}.json`))).toBe(true);
    }

    // Each converged: a second `up`, by the next pipeline on a new runner, changes nothing and
    // sends Utho nothing. Everything it needs is in the backend.
    utho.resetRequests();
    const next = () =>
      Object.fromEntries(STACK_NAMES.map((stack) => [stack, runner(origin, stack, utho.baseUrl)]));
    runners = next();
    const again = await Promise.all(
      STACK_NAMES.map((stack) => (runners[stack] as Runner).pulumi([...UP, "--expect-no-changes"], stack)),
    );
    again.forEach((result, i) => {
      ok(`second up ${STACK_NAMES[i]}`, result);
    });
    expect(utho.countRequests()).toBe(0);
    phase("second ups");

    // Every token belongs to exactly one stack, the one that declares it, and each stack's
    // secret is its own token's.
    const owners = new Map<string, string[]>();
    for (const stack of STACK_NAMES) {
      const exported = ok(
        `export ${stack}`,
        await (runners[stack] as Runner).pulumi(["stack", "export", "--show-secrets"], stack),
      );
      const resources = (JSON.parse(exported.stdout) as { deployment: { resources?: AuditedResource[] } })
        .deployment.resources;
      const tokens = (resources ?? []).filter((r) => r.type === API_TOKEN);
      expect(tokens.map((t) => t.outputs?.name).sort()).toEqual(
        (STACKS[stack] ?? []).map(([name]) => name).sort(),
      );
      for (const token of tokens) {
        const secret = JSON.parse(token.outputs?.token?.plaintext ?? "null") as string;
        expect(utho.tokenIdOf(secret)).toBe(token.outputs?.tokenId ?? token.id);
        owners.set(token.id as string, [...(owners.get(token.id as string) ?? []), stack]);
      }
    }
    const live = utho.listTokens();
    expect([...owners.keys()].sort()).toEqual(live.map((t) => t.id).sort());
    for (const [id, stacks] of owners) expect({ id, stacks: stacks.length }).toEqual({ id, stacks: 1 });

    // `utho-tokens audit` over the four stacks, from one runner's checkout, as a pipeline gate.
    const audit = await (runners.dev as Runner).uthoTokens(
      ["audit", ...STACK_NAMES.flatMap((stack) => ["--stack", stack]), "--fail-on", "unmanaged"],
      { UTHO_BASE_URL: utho.baseUrl },
    );
    ok("utho-tokens audit", audit);
    expect(audit.stdout).toMatch(
      new RegExp(`${TOKEN_COUNT} tokens in Utho account 41250: ${TOKEN_COUNT} managed by .*, 0 unmanaged`),
    );
    for (const token of live) {
      const stack = (owners.get(token.id) ?? [])[0];
      expect(audit.stdout).toMatch(
        new RegExp(`^${token.id}\\s+${token.name}\\s.*\\s\\S*${stack}/${token.name}\\s*$`, "m"),
      );
    }
    phase("ownership and audit");

    // The four destroys at once, on new runners: nothing left, and no lock.
    runners = next();
    const destroys = await Promise.all(
      STACK_NAMES.map((stack) =>
        (runners[stack] as Runner).pulumi(["destroy", "--yes", "--skip-preview", "--non-interactive"], stack),
      ),
    );
    destroys.forEach((result, i) => {
      ok(`destroy ${STACK_NAMES[i]}`, result);
    });
    expect(utho.listTokens()).toEqual([]);
    expect(utho.countRequests("DELETE")).toBe(TOKEN_COUNT);
    expect(locks()).toEqual([]);
    phase("concurrent destroys");
    process.stdout.write(
      `team: PostgreSQL ${pg.version}; ${TOKEN_COUNT} tokens in ${STACK_NAMES.length} stacks; ${phases.join(", ")}\n`,
    );
  });
}
