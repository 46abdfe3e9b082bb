/**
 * `utho-tokens plugin install|path`: the plugin cache folder the engine takes for an installed
 * plugin (`resource-utho-v<version>/pulumi-resource-utho`, executable, no `.partial` beside it),
 * written once and left alone after, repaired when it differs or an install was cut short; and a
 * launcher that starts this package's plugin, which prints the port it serves on.
 * `tests/e2e/plugin-cli.test.ts` has the engine find it.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "../../cli/main";
import { cacheFolder, installPlugin, packageRoot, pulumiHome } from "../../cli/plugin";
import { SDK_VERSION } from "../../sdk/version";

let home = "";
const saved = process.env.PULUMI_HOME;
beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), "utho-pulumi-home-"));
  process.env.PULUMI_HOME = home;
});
afterEach(() => {
  process.env.PULUMI_HOME = saved;
  if (saved === undefined) delete process.env.PULUMI_HOME;
  rmSync(home, { recursive: true, force: true });
});

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { cwd: home, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

const folder = () => path.join(home, "plugins", `resource-utho-v${SDK_VERSION}`);
const executable = () => path.join(folder(), "pulumi-resource-utho");

it("installs into $PULUMI_HOME/plugins, says so in one line, and leaves a complete install alone", async () => {
  expect(await run(["plugin", "install"])).toEqual({
    code: 0,
    stdout: `Installed the utho plugin ${SDK_VERSION} in ${folder()}`,
    stderr: "",
  });
  expect(statSync(executable()).mode & 0o777).toBe(0o755);
  expect(existsSync(`${folder()}.partial`)).toBe(false);
  const launcher = readFileSync(executable(), "utf8");
  expect(launcher).toContain(`exec node '${path.join(packageRoot(), "dist/provider/plugin/main.js")}' "$@"`);
  expect((await run(["plugin", "install"])).stdout).toBe(
    `Already installed, unchanged: the utho plugin ${SDK_VERSION} in ${folder()}`,
  );
  // Another package's launcher (the package moved) is updated; an install cut short, done again.
  writeFileSync(executable(), "#!/bin/sh\nexec node /gone/main.js\n");
  expect(installPlugin().outcome).toBe("updated");
  writeFileSync(`${folder()}.partial`, "");
  expect(installPlugin().outcome).toBe("installed");
  expect(existsSync(`${folder()}.partial`)).toBe(false);
  expect(readFileSync(executable(), "utf8")).toBe(launcher);
});

it("starts this package's plugin, which prints the port it serves on", async () => {
  // The built plugin (jest's global setup builds dist/), as the engine starts it.
  installPlugin();
  const plugin = spawn(executable(), [], { stdio: ["ignore", "pipe", "inherit"] });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = "";
    plugin.stdout.on("data", (chunk: Buffer) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.split("\n")[0] as string);
    });
    plugin.on("error", reject);
    plugin.on("close", (code) => reject(new Error(`the plugin exited ${code} before printing its port`)));
  });
  plugin.kill();
  expect(firstLine).toMatch(/^\d+$/);
});

it("prints the package's bin folder for plugins.providers[].path", async () => {
  const printed = await run(["plugin", "path"]);
  expect(printed).toEqual({ code: 0, stdout: path.join(packageRoot(), "bin"), stderr: "" });
  expect(existsSync(path.join(printed.stdout, "pulumi-resource-utho"))).toBe(true);
});

it("honours PULUMI_HOME, else ~/.pulumi as the engine finds it", () => {
  expect(cacheFolder({ PULUMI_HOME: "/x" }, "1.2.3")).toBe("/x/plugins/resource-utho-v1.2.3");
  expect(pulumiHome({})).toMatch(/\/\.pulumi$/);
});

it("refuses bad usage, a cache it cannot write and an unbuilt package with one line and exit 2", async () => {
  for (const argv of [["plugin"], ["plugin", "instal"], ["plugin", "install", "now"]]) {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^utho-tokens: plugin[ :].*\(utho-tokens --help\)$/);
  }
  process.env.PULUMI_HOME = "/dev/null/home";
  const unwritable = await run(["plugin", "install"]);
  expect(unwritable.code).toBe(2);
  expect(unwritable.stderr).toMatch(
    /^utho-tokens: Cannot write the plugin into Pulumi's plugin cache .*PULUMI_HOME/,
  );
  const unbuilt = mkdtempSync(path.join(tmpdir(), "utho-unbuilt-"));
  try {
    writeFileSync(path.join(unbuilt, "package.json"), JSON.stringify({ name: "utho-pulumi-tokens" }));
    expect(() => installPlugin({ PULUMI_HOME: home }, unbuilt)).toThrow(
      /The plugin is not built: .*npm run build/,
    );
  } finally {
    rmSync(unbuilt, { recursive: true, force: true });
  }
});
