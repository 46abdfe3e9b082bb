/**
 * The published package: what `npm pack` ships, and what a user's `require` can reach through
 * package.json's `exports`. The tarball is unpacked into a scratch project's node_modules, next
 * to links to the declared dependencies only, and probed from a separate Node process.
 */
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PACKAGE_NAME, type Packed, pack, REPO_ROOT, unpack } from "../../scripts/pack";

interface Manifest {
  main: string;
  types: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
}

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as Manifest;

let scratch: string;
let project: string;
let installed: string;
let packed: Packed;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "utho-surface-"));
  packed = pack(scratch);
  project = path.join(scratch, "project");
  // Node keys require.cache by real path.
  installed = realpathSync(unpack(packed.tarball, project));
  // The declared dependencies, and nothing else, from the repo's node_modules.
  for (const name of Object.keys(manifest.dependencies)) {
    const link = path.join(project, "node_modules", name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules", name), link);
  }
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs `script` with `node -e` in the scratch project and returns what it printed as JSON. */
function probe(script: string): unknown {
  const out = execFileSync(process.execPath, ["-e", script], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, NODE_PATH: "" },
  });
  return JSON.parse(out);
}

describe("the tarball", () => {
  it("holds only the runtime: package.json, README.md and the compiled index, sdk, provider, emulator and cli", () => {
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^dist\/index\.(js|d\.ts|js\.map)$/,
      /^dist\/(sdk|provider|emulator|cli)\/.+\.(js|d\.ts|js\.map)$/,
    ];
    expect(packed.files.filter((file) => !allowed.some((rule) => rule.test(file)))).toEqual([]);
    expect(packed.files.filter((file) => /(^|\/)(scripts|bench|program|tests)\//.test(file))).toEqual([]);
    expect(packed.files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
  });

  it("holds every file package.json points at", () => {
    const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin)];
    for (const entry of Object.values(manifest.exports)) {
      targets.push(...(typeof entry === "string" ? [entry] : [entry.types, entry.default]));
    }
    const missing = targets
      .map((target) => path.posix.normalize(target))
      .filter((t) => !packed.files.includes(t));
    expect(missing).toEqual([]);
  });
});

describe("require from an installed copy", () => {
  it("the root exports the ApiToken resource only, and loads neither the emulator, the SDK client nor tests", () => {
    const result = probe(`
      const root = require(${JSON.stringify(PACKAGE_NAME)});
      console.log(JSON.stringify({ names: Object.keys(root).sort(), loaded: Object.keys(require.cache) }));
    `) as { names: string[]; loaded: string[] };
    // index.ts's value exports; its other exports are types (ApiTokenArgs, ApiTokenAdoptArgs, TokenScope).
    expect(result.names).toEqual(["ApiToken"]);
    const own = result.loaded.filter((file) => file.startsWith(`${installed}${path.sep}`));
    expect(own.length).toBeGreaterThan(0);
    const rel = own.map((file) => path.relative(installed, file).split(path.sep).join("/"));
    expect(rel.filter((file) => file.startsWith("dist/emulator/"))).toEqual([]);
    expect(rel.filter((file) => file === "dist/sdk/client.js")).toEqual([]);
    expect(result.loaded.filter((file) => /[\\/]tests[\\/]/.test(file))).toEqual([]);
  });

  it("/sdk exposes the client and its errors, not the internals", () => {
    const result = probe(`
      const sdk = require(${JSON.stringify(`${PACKAGE_NAME}/sdk`)});
      const errors = Object.keys(sdk).filter((name) => /^Utho\\w*Error$/.test(name));
      console.log(JSON.stringify({
        names: Object.keys(sdk),
        client: typeof sdk.UthoClient,
        errorsExtendUthoError: errors.every((name) => sdk[name] === sdk.UthoError || sdk[name].prototype instanceof sdk.UthoError),
      }));
    `) as { names: string[]; client: string; errorsExtendUthoError: boolean };
    expect(result.client).toBe("function");
    expect(result.names).toEqual(
      expect.arrayContaining([
        "UthoClient",
        "UthoError",
        "UthoConfigError",
        "UthoInputError",
        "UthoApiError",
        "UthoAuthError",
        "UthoNotFoundError",
        "UthoRateLimitError",
        "UthoConnectionError",
        "UthoTimeoutError",
        "UthoResponseError",
      ]),
    );
    expect(result.errorsExtendUthoError).toBe(true);
    for (const internal of ["registerSecret", "redactSecrets", "environmentApiKey"]) {
      expect(result.names).not.toContain(internal);
    }
  });

  it("/emulator exposes startEmulator", () => {
    expect(
      probe(
        `console.log(JSON.stringify(typeof require(${JSON.stringify(`${PACKAGE_NAME}/emulator`)}).startEmulator));`,
      ),
    ).toBe("function");
  });

  it("resolves dist/provider/operations, which state written by earlier versions requires", () => {
    const result = probe(`
      const specifier = ${JSON.stringify(`${PACKAGE_NAME}/dist/provider/operations`)};
      const ops = require(specifier);
      const calls = ["configure", "check", "diff", "create", "read", "update", "remove"];
      console.log(JSON.stringify({
        file: require.resolve(specifier),
        missing: calls.filter((name) => typeof ops[name] !== "function"),
      }));
    `) as { file: string; missing: string[] };
    expect(result.file).toBe(path.join(installed, "dist", "provider", "operations.js"));
    expect(result.missing).toEqual([]);
  });

  it("resolves dist/provider/host.js, which the state records as the whole provider", () => {
    const result = probe(`
      const specifier = ${JSON.stringify(`${PACKAGE_NAME}/dist/provider/host.js`)};
      const host = require(specifier);
      const calls = ["configure", "check", "diff", "create", "read", "update", "delete"];
      console.log(JSON.stringify({
        file: require.resolve(specifier),
        missing: calls.filter((name) => typeof host[name] !== "function"),
      }));
    `) as { file: string; missing: string[] };
    expect(result.file).toBe(path.join(installed, "dist", "provider", "host.js"));
    expect(result.missing).toEqual([]);
  });

  it("refuses any other deep path", () => {
    const result = probe(`
      const codes = [];
      for (const specifier of ["dist/sdk/redact", "dist/sdk/index.js", "dist/emulator/store", "dist/provider/mint"]) {
        try { require(${JSON.stringify(`${PACKAGE_NAME}/`)} + specifier); codes.push("loaded"); }
        catch (error) { codes.push(error.code); }
      }
      console.log(JSON.stringify(codes));
    `);
    expect(result).toEqual(Array(4).fill("ERR_PACKAGE_PATH_NOT_EXPORTED"));
  });
});

describe("the utho-emulator bin", () => {
  it("runs from its shebang and serves the API", async () => {
    const bin = path.join(installed, manifest.bin["utho-emulator"]);
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    chmodSync(bin, 0o755); // as npm does when it links a bin on install
    const child = execFile(bin, ["--port", "0", "--root-key", "surface-key"], {
      cwd: project,
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` },
    });
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) resolve(out.split("\n")[0]);
        });
        child.once("exit", (code) =>
          reject(new Error(`utho-emulator exited ${code} before printing its URL`)),
        );
      });
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
      const response = await fetch(`${baseUrl}/account/info`, {
        headers: { authorization: "Bearer surface-key" },
      });
      expect(response.status).toBe(200);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    }
  });
});

describe("the utho-tokens bin", () => {
  const run = (args: string[], cwd: string) => {
    const bin = path.join(installed, manifest.bin["utho-tokens"]);
    chmodSync(bin, 0o755);
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(bin, args, { cwd, env: { ...process.env } }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  };

  it("runs from its shebang and prints its usage", async () => {
    expect(readFileSync(path.join(installed, manifest.bin["utho-tokens"]), "utf8")).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
    const help = await run(["--help"], project);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: utho-tokens <command>/);
    expect(help.stdout).toContain("reconcile [--stack S ...] [--yes]");
  });

  // Five Node.js processes, started together: on a loaded 2-core CI machine each can take a
  // few seconds to load, so the test gets more than jest's default 5 s.
  it("refuses an unknown command or option, and a directory with no Pulumi project, with exit code 2", async () => {
    const [unknown, badOption, badDuration, badFailOn, noProject] = await Promise.all([
      run(["rotate"], project),
      run(["audit", "--stale", "9d"], project),
      run(["audit", "--stale-after", "3 months"], project),
      run(["audit", "--fail-on", "orphans"], project),
      run(["reconcile"], project),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^utho-tokens: unknown command "rotate"/);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/^utho-tokens: Unknown option '--stale'/);
    expect(badDuration.stderr).toMatch(/^utho-tokens: --stale-after: "3 months" is not a duration/);
    expect(badFailOn.stderr).toMatch(
      /^utho-tokens: --fail-on: must be one of unmanaged, stale, write; "orphans"/,
    );
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toMatch(/^utho-tokens: No Pulumi project in .*: it has no Pulumi\.yaml/);
  }, 30_000);
});
