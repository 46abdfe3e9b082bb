import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { DEFAULT_RANDOM_FAULTS, type EmulatorOptions, startEmulator } from "../../emulator";
import { parseCliArgs } from "../../emulator/cli-args";
import { UthoConfigError } from "../../sdk/errors";
import { call, createToken, eventually, listTokens, type Target } from "./helpers";

const ROOT = resolve(__dirname, "../..");
// Built by jest's globalSetup (tests/support/build.js), like every test that runs compiled code.
const cliPath = join(ROOT, "dist", "emulator", "cli.js");

interface RunningCli extends Target {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: RunningCli[] = [];

afterEach(() => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
});

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!("UTHO_EMULATOR_ROOT_KEY" in extra)) delete env.UTHO_EMULATOR_ROOT_KEY;
  return env;
}

/** Spawns the CLI and resolves once the first stdout line (the base URL) is out. */
function startCli(args: string[], env = cleanEnv()): Promise<RunningCli> {
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on("exit", (code, signal) => done({ code, signal }));
  });
  return new Promise((ready, fail) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      const wasWaiting = !out.includes("\n");
      out += chunk.toString();
      if (!wasWaiting || !out.includes("\n")) return;
      const rootKey = args.includes("--root-key")
        ? args[args.indexOf("--root-key") + 1]
        : (env.UTHO_EMULATOR_ROOT_KEY ?? "");
      const cli = {
        child,
        baseUrl: out.split("\n")[0],
        rootKey,
        stdout: () => out,
        stderr: () => err,
        exited,
      };
      running.push(cli);
      ready(cli);
    });
    exited.then(({ code }) => fail(new Error(`CLI exited with ${code} before printing its URL: ${err}`)));
  });
}

function runCli(args: string[], env = cleanEnv()): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, ...args], { env, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the emulator CLI", () => {
  it("prints the base URL first, serves, logs without secrets, and exits 0 on SIGTERM", async () => {
    const cli = await startCli(["--port", "0", "--root-key", "cli-root-key"]);
    expect(cli.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    const secret = await createToken(cli, "ci", "1");
    expect(await listTokens(cli, secret)).toHaveLength(1);
    expect((await call(cli, "GET", "/account/info", { key: "wrong-key" })).status).toBe(401);

    cli.child.kill("SIGTERM");
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toBe(`${cli.baseUrl}\n`);
    const log = cli.stderr();
    expect(log).toMatch(/ POST \/v2\/api\/generate 200 [\d.]+ms\n/);
    expect(log).toMatch(/ GET \/v2\/api 200 [\d.]+ms\n/);
    expect(log).toMatch(/ GET \/v2\/account\/info 401 [\d.]+ms\n/);
    for (const secretValue of ["cli-root-key", secret, "wrong-key"]) expect(log).not.toContain(secretValue);
  });

  it("exits 0 on SIGINT", async () => {
    const cli = await startCli(["--root-key", "k"]);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it("takes the root key from UTHO_EMULATOR_ROOT_KEY, and --root-key over it", async () => {
    const fromEnv = await startCli([], cleanEnv({ UTHO_EMULATOR_ROOT_KEY: "env-key" }));
    expect((await call(fromEnv, "GET", "/api", { key: "env-key" })).status).toBe(200);
    const fromFlag = await startCli(
      ["--root-key", "flag-key"],
      cleanEnv({ UTHO_EMULATOR_ROOT_KEY: "env-key" }),
    );
    expect((await call(fromFlag, "GET", "/api", { key: "flag-key" })).status).toBe(200);
    expect((await call(fromFlag, "GET", "/api", { key: "env-key" })).status).toBe(401);
  });

  it("generates a root key when none is given, writes it to a file only its user can read, and never logs it", async () => {
    const cli = await startCli([]);
    const keyLine = /generated a root key, in (\S+) \(readable by you only\)\n/;
    // stderr and stdout are separate pipes: the line may arrive after the URL.
    await eventually(() => keyLine.test(cli.stderr()));
    const keyFile = keyLine.exec(cli.stderr())?.[1] as string;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const generated = readFileSync(keyFile, "utf8").trim();
    expect(generated).toMatch(/^[0-9a-f]{64}$/);
    expect((await call(cli, "GET", "/api", { key: generated })).status).toBe(200);
    expect(cli.stdout()).toBe(`${cli.baseUrl}\n`);
    cli.child.kill("SIGTERM");
    await cli.exited;
    expect(cli.stderr()).toMatch(/ GET \/v2\/api 200 /);
    expect(cli.stderr()).not.toContain(generated);
    // The key file went with the emulator.
    expect(existsSync(dirname(keyFile))).toBe(false);
  });

  it("logs injected faults", async () => {
    const cli = await startCli(["--root-key", "k", "--fault-rate", "1", "--faults", "503"]);
    expect((await call(cli, "GET", "/api")).status).toBe(503);
    cli.child.kill("SIGTERM");
    await cli.exited;
    expect(cli.stderr()).toMatch(/ GET \/v2\/api 503 fault=503 [\d.]+ms\n/);
  });

  it("keeps tokens across a restart with --data, appending whole lines to its log under concurrent readers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "utho-emulator-cli-"));
    const dataFile = join(dir, "tokens.json");
    try {
      const first = await startCli(["--root-key", "k", "--data", dataFile]);
      let writing = true;
      let reads = 0;
      // Another process reads while the emulator appends to the log: every complete line is a whole change.
      const reader = (async () => {
        while (writing) {
          const text = await readFile(`${dataFile}.log`, "utf8").catch(() => undefined);
          if (text !== undefined) {
            for (const line of text.split("\n").slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow();
            reads += 1;
          }
        }
      })();
      const secrets = await Promise.all(
        Array.from({ length: 40 }, (_, i) => createToken(first, `t${i}`, "1")),
      );
      writing = false;
      await reader;
      expect(reads).toBeGreaterThan(0);
      const before = await listTokens(first);
      expect(before).toHaveLength(40);
      first.child.kill("SIGTERM");
      expect((await first.exited).code).toBe(0);

      const second = await startCli(["--root-key", "k", "--data", dataFile]);
      expect(await listTokens(second)).toEqual(before);
      expect((await call(second, "GET", "/account/info", { key: secrets[17] })).status).toBe(200);
      const text = readFileSync(`${dataFile}.log`, "utf8");
      for (const secret of secrets) expect(text).not.toContain(secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 1 with a message when the data file is corrupt", () => {
    const dir = mkdtempSync(join(tmpdir(), "utho-emulator-cli-"));
    try {
      writeFileSync(join(dir, "tokens.json"), '{"version":1,"nex');
      const result = runCli(["--data", join(dir, "tokens.json")]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^utho-emulator: emulator data file .*tokens\.json is not valid JSON\n$/);
      expect(result.stdout).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints usage for --help", () => {
    const result = runCli(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: utho-emulator/);
    expect(result.stdout).toContain("--fault-rate");
  });

  it.each([
    [["--port", "abc"], "--port"],
    [["--port", "70000"], "--port"],
    [["--port"], "--port"],
    [["--fault-rate", "1.5"], "--fault-rate"],
    [["--fault-rate", "lots"], "--fault-rate"],
    [
      ["--faults", "500,teapot"],
      '--faults must be a list of fault kinds (500, 503, 429, reset, lost-response, slow, bad-json, status-error, stale-list); "teapot" is not one',
    ],
    [["--latency-ms", "1.5"], "--latency-ms"],
    [["--slow-ms", "soon"], "--slow-ms"],
    [["--retry-after", "99999999"], "--retry-after"],
    [["--port", "0x50"], "--port must be an integer from 0 to 65535"],
    [["--root-key", ""], "--root-key must be non-empty printable ASCII without spaces"],
    [["--prot", "8080"], "--prot"],
    [["stray"], "stray"],
  ])("rejects %j with exit 2, naming %s", (args, named) => {
    const result = runCli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(named);
    expect(result.stdout).toBe("");
  });
});

describe("parseCliArgs", () => {
  it("maps every flag to an emulator option", () => {
    const command = parseCliArgs(
      [
        "--port=8080",
        "--host",
        "0.0.0.0",
        "--root-key",
        "k",
        "--data",
        "d.json",
        "--latency-ms",
        "5",
        "--fault-rate",
        "0.25",
        "--faults",
        "500, reset,stale-list",
        "--slow-ms",
        "100",
        "--retry-after",
        "3",
        "--propagation-ms",
        "250",
      ],
      {},
    );
    expect(command).toEqual({
      kind: "run",
      options: {
        port: 8080,
        host: "0.0.0.0",
        rootKey: "k",
        dataFile: "d.json",
        latencyMs: 5,
        faultRate: 0.25,
        faults: ["500", "reset", "stale-list"],
        slowMs: 100,
        retryAfterSeconds: 3,
        propagationMs: 250,
        // Options without a flag keep their defaults.
        accountId: "41250",
        random: Math.random,
      },
    });
  });

  it("gives unset flags the emulator's defaults and reads the root key from the environment", () => {
    expect(parseCliArgs([], { UTHO_EMULATOR_ROOT_KEY: "from-env" })).toEqual({
      kind: "run",
      options: expect.objectContaining({
        rootKey: "from-env",
        port: 0,
        faults: [...DEFAULT_RANDOM_FAULTS],
        slowMs: 30_000,
      }),
    });
    // An empty variable counts as unset: the emulator generates a key.
    expect(parseCliArgs([], { UTHO_EMULATOR_ROOT_KEY: "" })).toEqual({
      kind: "run",
      options: expect.not.objectContaining({ rootKey: expect.anything() }),
    });
  });

  it("recognises -h and --help", () => {
    expect(parseCliArgs(["-h"], {})).toEqual({ kind: "help" });
    expect(parseCliArgs(["--help", "--port", "nope"], {})).toEqual({ kind: "help" });
  });

  it("throws a UthoConfigError naming the flag", () => {
    expect(() => parseCliArgs(["--fault-rate", "-0.1"], {})).toThrow(UthoConfigError);
    expect(() => parseCliArgs(["--fault-rate=-0.1"], {})).toThrow(
      /^--fault-rate must be a number from 0 to 1$/,
    );
    expect(() => parseCliArgs(["--prot", "1"], {})).toThrow(UthoConfigError);
  });

  it("names the environment variable when the root key came from it", () => {
    expect(() => parseCliArgs([], { UTHO_EMULATOR_ROOT_KEY: "two words" })).toThrow(
      /^UTHO_EMULATOR_ROOT_KEY must be non-empty printable ASCII without spaces$/,
    );
    expect(() => parseCliArgs(["--root-key", "two words"], { UTHO_EMULATOR_ROOT_KEY: "k" })).toThrow(
      /^--root-key must/,
    );
  });
});

describe("one rule per option, from startEmulator and from the CLI", () => {
  /** The message of the UthoConfigError that startEmulator refuses `options` with. */
  async function startRefusal(options: EmulatorOptions): Promise<string> {
    const error = await startEmulator(options).then(
      async (emulator) => {
        await emulator.close();
        throw new Error("the emulator started");
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UthoConfigError);
    return error instanceof Error ? error.message : "";
  }

  it.each<[string, EmulatorOptions, string, string]>([
    ["port", { port: 70000 }, "--port", "70000"],
    ["port", { port: 1.5 }, "--port", "1.5"],
    ["latencyMs", { latencyMs: -1 }, "--latency-ms", "-1"],
    ["faultRate", { faultRate: 1.5 }, "--fault-rate", "1.5"],
    ["faults", { faults: ["500", "teapot" as "500"] }, "--faults", "500,teapot"],
    ["slowMs", { slowMs: 2 ** 31 }, "--slow-ms", String(2 ** 31)],
    ["retryAfterSeconds", { retryAfterSeconds: 86_401 }, "--retry-after", "86401"],
    ["rootKey", { rootKey: "two words" }, "--root-key", "two words"],
  ])("%s %j and %s %j break the same rule", async (option, options, flag, text) => {
    const fromApi = await startRefusal(options);
    expect(fromApi.startsWith(`${option} must `)).toBe(true);
    const rule = fromApi.slice(option.length + 1);

    // `--flag=value`, so that a value starting with a dash is not taken for a flag.
    const args = [`${flag}=${text}`];
    expect(() => parseCliArgs(args, {})).toThrow(new UthoConfigError(`${flag} ${rule}`));
    const result = runCli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`utho-emulator: ${flag} ${rule}\nTry --help for usage.\n`);
  });
});
