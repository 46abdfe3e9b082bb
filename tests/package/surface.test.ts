/**
 * The published package, as a fresh clone makes it: in a copy of the repository holding only
 * what git tracks, `npm ci` and then `npm pack`, as the README says. What the tarball ships,
 * what a user's `require` can reach through package.json's `exports`, that the committed lock
 * needs no rewrite, and that the examples install as their READMEs say. The tarball is unpacked
 * into a scratch project's node_modules, next to links to the declared dependencies only, and
 * probed from a separate Node process.
 */
import { execFile, execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
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
let clone: string;
let project: string;
let installed: string;
let packed: Packed;

/**
 * A fresh clone of this checkout: the files git tracks (and new ones it would track), as they are
 * in the working tree, so uncommitted changes are tested too; nothing git ignores (dist/,
 * node_modules/).
 */
function freshClone(destination: string): string {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((file) => file !== "" && existsSync(path.join(REPO_ROOT, file)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(destination, file)), { recursive: true });
    cpSync(path.join(REPO_ROOT, file), path.join(destination, file));
  }
  return destination;
}

/** Runs npm as a user would, in `cwd`; the cache spares the network what it already holds. */
function npm(args: string[], cwd: string): void {
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], { cwd, stdio: "pipe" });
}

// A fresh clone's `npm ci` (which builds, through `prepare`) and `npm pack` take a minute or two
// on a loaded 2-core machine.
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "utho-surface-"));
  clone = freshClone(path.join(scratch, "clone"));
  npm(["ci"], clone);
  // `npm pack` itself builds: what `npm ci` built is not what ships.
  rmSync(path.join(clone, "dist"), { recursive: true, force: true });
  packed = pack(scratch, clone, { scripts: true });
  project = path.join(scratch, "project");
  // Node keys require.cache by real path.
  installed = realpathSync(unpack(packed.tarball, project));
  // The declared dependencies, and nothing else, from the repo's node_modules.
  for (const name of Object.keys(manifest.dependencies)) {
    const link = path.join(project, "node_modules", name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules", name), link);
  }
}, 600_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs `script` with `node -e` in the scratch project and returns what it printed as JSON. */
function probe(script: string, nodeFlags: string[] = []): unknown {
  const out = execFileSync(process.execPath, [...nodeFlags, "-e", script], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, NODE_PATH: "" },
  });
  return JSON.parse(out);
}

describe("the tarball", () => {
  it("holds only the runtime: package.json, README.md, LICENSE, CHANGELOG.md, the plugin's executable and the compiled index, sdk, provider, emulator and cli", () => {
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE$/,
      /^CHANGELOG\.md$/,
      /^bin\/pulumi-resource-utho$/,
      /^dist\/index\.(js|d\.ts|js\.map)$/,
      /^dist\/(sdk|provider|emulator|cli)\/.+\.(js|d\.ts|js\.map)$/,
    ];
    expect(packed.files.filter((file) => !allowed.some((rule) => rule.test(file)))).toEqual([]);
    expect(packed.files.filter((file) => /(^|\/)(scripts|bench|program|tests)\//.test(file))).toEqual([]);
    expect(packed.files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
  });

  // A stack trace through a map names the source it maps to: the sources are not shipped, so each
  // map carries its source's text (`inlineSources`), or names a file the package holds.
  it("has source maps that carry every source they name, or name a file the package holds", () => {
    const maps = packed.files.filter((file) => file.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(0);
    const unresolved = maps.flatMap((file) => {
      const map = JSON.parse(readFileSync(path.join(installed, file), "utf8")) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      expect(map.sources.length).toBeGreaterThan(0);
      return map.sources
        .filter((_source, i) => typeof map.sourcesContent?.[i] !== "string")
        .map((source) => path.posix.join(path.posix.dirname(file), source))
        .filter((source) => !packed.files.includes(source))
        .map((source) => `${file}: ${source}`);
    });
    expect(unresolved).toEqual([]);
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

describe("a fresh clone", () => {
  it("keeps its package-lock.json through a plain `npm install`", () => {
    const lock = readFileSync(path.join(clone, "package-lock.json"), "utf8");
    npm(["install", "--ignore-scripts"], clone);
    expect(readFileSync(path.join(clone, "package-lock.json"), "utf8")).toBe(lock);
  }, 300_000);

  // Each example's README: `npm ci` at the root (done above), then `npm install` in the example
  // (`npm ci` in per-environment, which locks its dependencies for its workflow).
  it.each([
    ["per-environment", "ci"],
    ["single-token", "install"],
    ["yaml", "install"],
  ])(
    "examples/%s installs as its README says (npm %s): the package built, one @pulumi/pulumi",
    (example, command) => {
      const dir = path.join(clone, "examples", example);
      const readme = readFileSync(path.join(dir, "README.md"), "utf8");
      expect(readme).toContain(`npm ci\ncd examples/${example}\nnpm ${command}`);
      npm([command], dir);
      expect(existsSync(path.join(dir, "node_modules", PACKAGE_NAME, manifest.main))).toBe(true);
      const copies = execFileSync("find", ["node_modules", "-path", "*/@pulumi/pulumi/package.json"], {
        cwd: dir,
        encoding: "utf8",
      });
      expect(copies.trim().split("\n")).toEqual(["node_modules/@pulumi/pulumi/package.json"]);
    },
    300_000,
  );
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
    for (const internal of ["SecretRedactor", "redactCredentials", "environmentCredential"]) {
      expect(result.names).not.toContain(internal);
    }
  });

  it("/sdk's errors, run with --enable-source-maps, have stack frames naming its .ts sources and lines", () => {
    const stack = probe(
      `
      const { UthoClient } = require(${JSON.stringify(`${PACKAGE_NAME}/sdk`)});
      try { new UthoClient({ apiKey: "surface-key", baseUrl: "ftp://example.com" }); }
      catch (error) { console.log(JSON.stringify(error.stack)); }
    `,
      ["--enable-source-maps"],
    ) as string;
    expect(stack).toMatch(/^UthoConfigError: Invalid baseUrl/);
    const frame = /[\\/]utho-pulumi-tokens[\\/]sdk[\\/]options\.ts:(\d+):\d+\)$/.exec(
      stack.split("\n")[1] ?? "",
    );
    expect(frame).not.toBeNull();
    // The line it names, in the source the map carries, is the one that throws.
    const map = JSON.parse(readFileSync(path.join(installed, "dist/sdk/options.js.map"), "utf8"));
    const line = (map.sourcesContent[0] as string).split("\n")[Number(frame?.[1]) - 1];
    expect(line).toContain("throw new UthoConfigError");
  });

  it("/emulator exposes startEmulator", () => {
    expect(
      probe(
        `console.log(JSON.stringify(typeof require(${JSON.stringify(`${PACKAGE_NAME}/emulator`)}).startEmulator));`,
      ),
    ).toBe("function");
  });

  it("/plugin exports the plugin's ApiToken and Provider, loading neither the provider, the SDK client nor the emulator", () => {
    const result = probe(`
      const plugin = require(${JSON.stringify(`${PACKAGE_NAME}/plugin`)});
      console.log(JSON.stringify({ names: Object.keys(plugin).sort(), loaded: Object.keys(require.cache) }));
    `) as { names: string[]; loaded: string[] };
    expect(result.names).toEqual(["ApiToken", "Provider"]);
    const rel = result.loaded
      .filter((file) => file.startsWith(`${installed}${path.sep}`))
      .map((file) => path.relative(installed, file).split(path.sep).join("/"));
    expect(rel.sort()).toEqual([
      "dist/provider/outputs.js",
      "dist/provider/plugin/schema.js",
      "dist/provider/plugin/sdk.js",
      "dist/sdk/version.js",
    ]);
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
