/**
 * `utho-tokens plugin install|path`: the `utho` resource provider plugin where the Pulumi engine
 * finds it. `install` puts a launcher of this package's plugin into Pulumi's plugin cache, so a
 * program in any language uses `utho:index:ApiToken` with no path; `path` prints the package's
 * `bin` folder, for a project that names the plugin with `plugins.providers[].path` instead.
 *
 * What the engine (3.259, `sdk/go/common/workspace/plugins.go` and `pkg/pluginstorage`) takes
 * for an installed plugin: a folder `$PULUMI_HOME/plugins/resource-utho-v<version>` holding the
 * executable `pulumi-resource-utho`, with no `resource-utho-v<version>.partial` file beside it
 * (the mark of an install under way or failed). The `.lock` file beside it is only the
 * installers' mutex: nothing reads it to decide whether a plugin is there.
 *
 * The cache is written here rather than through `pulumi plugin install resource utho <version>
 * --file <launcher>`, which does the same with that lock taken: this command then needs no
 * Pulumi CLI (an image is often built with `npm ci` before the CLI is there), and cannot install
 * into a cache other than the one named here when the `pulumi` on the PATH is not the one the
 * project runs. It follows the engine's own order, so the engine never takes a half-written
 * folder for a plugin: the `.partial` file first, then the folder and the launcher, and the
 * `.partial` file removed last.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import path from "node:path";
import { PLUGIN_NAME } from "../provider/plugin/schema";
import { UthoConfigError } from "../sdk/errors";
import { SDK_VERSION } from "../sdk/version";
import { CliError, EXIT } from "./exit";

const EXECUTABLE = `pulumi-resource-${PLUGIN_NAME}`;
const PACKAGE_NAME = "utho-pulumi-tokens";

/**
 * The root of the installed package this command runs from: the nearest folder above it whose
 * package.json is this package's (`dist/cli` when built, `cli/` under ts-node or jest).
 */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir)
      throw new CliError(`No ${PACKAGE_NAME} package above ${from}.`, EXIT.usage);
  }
}

/** The plugin's entry point in the package, which must have been built. */
function pluginMain(root: string): string {
  const main = path.join(root, "dist", "provider", "plugin", "main.js");
  if (!existsSync(main)) {
    throw new CliError(
      `The plugin is not built: ${main} is missing. In a clone of the repository, run \`npm run build\` first.`,
      EXIT.usage,
    );
  }
  return main;
}

/**
 * Pulumi's home as the engine resolves it: `PULUMI_HOME`, else `.pulumi` in the user's home
 * directory from the user database (Go's `user.Current()`), which `$HOME` does not override;
 * `$HOME` only for a user the database does not know (a container's arbitrary uid), as in Go.
 */
export function pulumiHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PULUMI_HOME) return env.PULUMI_HOME;
  let home: string;
  try {
    home = userInfo().homedir;
  } catch {
    home = homedir();
  }
  return path.join(home, ".pulumi");
}

/** The cache folder of this version's plugin. */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env, version = SDK_VERSION): string {
  return path.join(pulumiHome(env), "plugins", `resource-${PLUGIN_NAME}-v${version}`);
}

const quoted = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * The cached executable: Node.js on the PATH (as for the engine's own Node.js language host)
 * running this package's plugin by its absolute path, so its node_modules resolve as installed.
 */
function launcher(main: string): string {
  return [
    "#!/bin/sh",
    `# The ${PLUGIN_NAME} resource provider plugin of ${PACKAGE_NAME} ${SDK_VERSION}, written by \`utho-tokens plugin install\`.`,
    `exec node ${quoted(main)} "$@"`,
    "",
  ].join("\n");
}

export type InstallOutcome = "installed" | "updated" | "unchanged";

/**
 * Installs (or repairs) the launcher in the plugin cache; a complete install of the same content
 * is left as it is. Returns what it did and where.
 */
export function installPlugin(
  env: NodeJS.ProcessEnv = process.env,
  root = packageRoot(),
): { outcome: InstallOutcome; folder: string } {
  if (process.platform === "win32") {
    throw new CliError(
      "`utho-tokens plugin install` writes a POSIX shell launcher; on Windows, run Pulumi under WSL.",
      EXIT.usage,
    );
  }
  const folder = cacheFolder(env);
  const executable = path.join(folder, EXECUTABLE);
  const partial = `${folder}.partial`;
  const content = launcher(pluginMain(root));
  const complete = existsSync(folder) && !existsSync(partial);
  const current = complete && existsSync(executable) ? readFileSync(executable, "utf8") : undefined;
  if (current === content) return { outcome: "unchanged", folder };
  try {
    mkdirSync(path.dirname(folder), { recursive: true, mode: 0o700 });
    writeFileSync(partial, "", { mode: 0o600 });
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // Written beside it and renamed: a run starting the plugin meanwhile reads one or the other.
    const next = `${executable}.next`;
    writeFileSync(next, content, { mode: 0o755 });
    chmodSync(next, 0o755);
    renameSync(next, executable);
    rmSync(partial, { force: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `Cannot write the plugin into Pulumi's plugin cache ${path.dirname(folder)} (${reason}); set PULUMI_HOME to a folder you can write.`,
      EXIT.usage,
      { cause: error },
    );
  }
  return { outcome: current === undefined ? "installed" : "updated", folder };
}

/** `utho-tokens plugin <install|path>`: one line on stdout. */
export function pluginCommand(args: string[], stdout: (line: string) => void): number {
  const [action, ...rest] = args;
  if (rest.length > 0) throw new UthoConfigError(`plugin ${action}: takes no arguments (utho-tokens --help)`);
  if (action === "install") {
    const { outcome, folder } = installPlugin();
    const said = {
      installed: "Installed",
      updated: "Updated",
      unchanged: "Already installed, unchanged:",
    }[outcome];
    stdout(`${said} the utho plugin ${SDK_VERSION} in ${folder}`);
    return EXIT.ok;
  }
  if (action === "path") {
    stdout(path.join(packageRoot(), "bin"));
    return EXIT.ok;
  }
  throw new UthoConfigError(
    `plugin: ${action === undefined ? "an action is required" : `unknown action "${action}"`}: install or path (utho-tokens --help)`,
  );
}
