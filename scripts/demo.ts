/**
 * `npm run demo`: tokens as code, end to end, on this machine.
 *
 * Starts the Utho emulator with a data file under .demo/ (ignored by git), runs `pulumi up` of
 * the root program on the `demo` stack (file backend under .demo/state, or the Pulumi backend
 * `--backend <url>` names), and prints each token with proof that its secret works with its
 * scope, never the secret itself. Running it again converges: nothing changes.
 * `npm run demo -- --destroy` tears it all down (with the same `--backend`, if one was given).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs, stripVTControlCharacters } from "node:util";
import { formatTable } from "../cli/table";
import { startEmulator } from "../emulator";
import { parseTokenList } from "../program/tokens-as-code";
import { UthoAuthError, UthoClient } from "../sdk";
import { UthoConfigError } from "../sdk/errors";
import {
  BACKEND_OPTION,
  checkBackendUrl,
  DEMO_DIR,
  DEMO_PASSPHRASE,
  demoEnv,
  describeBackend,
  provisionPulumi,
  REPO_ROOT,
  runCommand,
} from "./engine";

/** A root key kept across runs, so the emulator's account survives restarts with its tokens. */
function demoRootKey(): string {
  const file = path.join(DEMO_DIR, "root-key");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

const PROBE_NAME = "demo-scope-probe";

/** Proves a secret works and has its scope, without printing it. */
async function proveScope(utho: UthoClient, secret: string | undefined): Promise<string> {
  if (!secret) return "no secret held";
  const asToken = utho.withOptions({ apiKey: secret, maxRetries: 0 });
  await asToken.account.info();
  try {
    // Only a Write token may mint: mint a probe and revoke it at once.
    await asToken.apiTokens.create({ name: PROBE_NAME, scope: "read" });
    return "authenticates; can write";
  } catch (error) {
    if (error instanceof UthoAuthError && error.status === 403) return "authenticates; cannot write (403)";
    throw error;
  } finally {
    // Also after a failed create, which may still have minted one.
    const probes = (await utho.apiTokens.list()).filter((t) => t.name === PROBE_NAME);
    for (const probe of probes) await utho.apiTokens.delete(probe.id);
  }
}

interface StackOutputs {
  tokens?: Record<string, { tokenId: string; scope: string; createdAt: string }>;
  secrets?: Record<string, string | undefined>;
}

/** Parses `stack output --json --show-secrets`; a parse error must not quote the secrets. */
function parseOutputs(json: string): StackOutputs {
  try {
    return JSON.parse(json) as StackOutputs;
  } catch {
    throw new Error("pulumi stack output --json printed something that is not JSON");
  }
}

/**
 * Pulumi.demo.yaml's `tokens`, as `pulumi config --json` reads them, checked by the program's own
 * rules before any run: a mistake is one line naming the entry and field, not the program's
 * stack trace inside Pulumi's diagnostics.
 */
function checkDemoConfig(configJson: string): void {
  const config = JSON.parse(configJson) as Record<string, { value?: string; objectValue?: unknown }>;
  const tokens = config["utho-tokens:tokens"];
  try {
    parseTokenList(tokens?.objectValue ?? tokens?.value);
  } catch (error) {
    if (error instanceof UthoConfigError) throw new Error(`Pulumi.demo.yaml: ${error.message}`);
    throw error;
  }
}

/**
 * How to run `npm run pulumi` on the demo's stack from this shell: an exported
 * PULUMI_BACKEND_URL or PULUMI_CONFIG_PASSPHRASE (a team's) would point it elsewhere.
 */
function pulumiHint(args: string, backend: string | undefined): string {
  const exported = process.env.PULUMI_CONFIG_PASSPHRASE;
  const env = exported && exported !== DEMO_PASSPHRASE ? `PULUMI_CONFIG_PASSPHRASE=${DEMO_PASSPHRASE} ` : "";
  const where =
    backend !== undefined
      ? " --backend <url>"
      : process.env.PULUMI_BACKEND_URL
        ? ` --backend '${demoEnv().PULUMI_BACKEND_URL}'`
        : "";
  return `\`${env}npm run pulumi --${where} ${args}\``;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { destroy: { type: "boolean", default: false }, ...BACKEND_OPTION },
  });
  const backend = checkBackendUrl(values.backend);
  mkdirSync(DEMO_DIR, { recursive: true });

  const emulator = await startEmulator({
    rootKey: demoRootKey(),
    dataFile: path.join(DEMO_DIR, "emulator.json"),
  });
  console.log(`Utho emulator: ${emulator.baseUrl} (data in .demo/emulator.json)`);
  console.log(`Pulumi state: ${backend === undefined ? ".demo/state" : describeBackend(backend)}`);
  try {
    const pulumi = provisionPulumi();
    const env = {
      ...process.env,
      ...demoEnv(backend),
      // The provider reads its credentials at run time; nothing lands in the state.
      UTHO_API_KEY: emulator.rootKey,
      UTHO_BASE_URL: emulator.baseUrl,
    };
    const run = async (args: string[], echo = true) => {
      const result = await runCommand(pulumi, [...args, "--stack", "demo"], { cwd: REPO_ROOT, env, echo });
      if (result.code !== 0) {
        // What was not echoed is quoted (without colour codes): the reason, e.g. a YAML error.
        const why = echo ? "" : `: ${stripVTControlCharacters(result.stderr).trim()}`;
        throw new Error(`pulumi ${args.join(" ")} failed (exit ${result.code})${why}`);
      }
      return result;
    };
    await run(["stack", "select", "--create"], false);
    checkDemoConfig((await run(["config", "--json"], false)).stdout);

    if (values.destroy) {
      await run(["destroy", "--yes", "--non-interactive"]);
      console.log(`\nDestroyed. Tokens left in the emulator: ${emulator.listTokens().length}`);
      return;
    }

    await run(["up", "--yes", "--non-interactive"]);
    // Read back with --show-secrets to prove each secret works; the secrets are never printed.
    const outputs = parseOutputs((await run(["stack", "output", "--json", "--show-secrets"], false)).stdout);
    const utho = new UthoClient({ apiKey: emulator.rootKey, baseUrl: emulator.baseUrl });

    const rows = [["name", "scope", "id", "created at", "secret (never shown)"]];
    for (const [name, token] of Object.entries(outputs.tokens ?? {})) {
      rows.push([
        name,
        token.scope,
        token.tokenId,
        token.createdAt,
        await proveScope(utho, outputs.secrets?.[name]),
      ]);
    }
    console.log("\nTokens as code: the demo stack");
    console.log(formatTable(rows));
    const again = backend === undefined ? "" : " -- --backend <url>";
    console.log(
      `\nSecrets stay secret: ${pulumiHint("stack output --stack demo", backend)} shows [secret].` +
        `\nEdit Pulumi.demo.yaml and run \`npm run demo${again}\` again to converge; ` +
        `\`npm run demo --${backend === undefined ? "" : " --backend <url>"} --destroy\` removes every token.`,
    );
  } finally {
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
