/**
 * A real PostgreSQL server for end-to-end tests, as a shared Pulumi state backend
 * (`postgres://…` as PULUMI_BACKEND_URL): `initdb` into a fresh temp dir, `pg_ctl start` on a
 * free loopback port, one database with a password-protected owner; `stop()` stops the server
 * and removes the dir. PostgreSQL refuses to run as root, so as root the server commands run as
 * the `postgres` user (which Debian's package creates) through `runuser`. No jest here.
 */
import { execFileSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** What to tell a person whose machine has no PostgreSQL server. */
export const INSTALL_HINT =
  "PostgreSQL is not installed (no initdb and pg_ctl on the PATH or in /usr/lib/postgresql/*/bin); " +
  "on Debian or Ubuntu: apt-get install postgresql";

export interface PostgresInstall {
  /** The directory holding initdb, pg_ctl and createdb. */
  binDir: string;
  /** e.g. "15.14", from `pg_ctl --version`. */
  version: string;
  /** As root: the uid and gid of `postgres`, who runs the server. */
  runAs?: { user: string; uid: number; gid: number };
}

export interface RunningPostgres {
  /** `postgres://user:pw@127.0.0.1:PORT/db?sslmode=disable`, usable as PULUMI_BACKEND_URL. */
  url: string;
  port: number;
  version: string;
  /** Runs SQL through psql as the database's owner; returns its unaligned, tuples-only output. */
  sql(query: string): string;
  /** Stops the server (`pg_ctl stop -m fast`) and removes its temp dir. Idempotent. */
  stop(): void;
}

const has = (dir: string, ...tools: string[]) => tools.every((tool) => existsSync(path.join(dir, tool)));

/** The uid and gid of a local user, or undefined when there is none. */
function userIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return undefined;
  }
}

/**
 * Finds a PostgreSQL server install: initdb and pg_ctl on the PATH, else in the newest
 * /usr/lib/postgresql/<version>/bin (where Debian puts them, off the PATH). Returns a reason a
 * person can act on when there is none, or when running as root with no `postgres` user.
 */
export function findPostgres(): PostgresInstall | { missing: string } {
  const onPath = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => dir !== "");
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const found = [...onPath, ...debian].find((dir) => has(dir, "initdb", "pg_ctl"));
  if (found === undefined) return { missing: INSTALL_HINT };
  // A PATH entry may hold symlinks into the real bin dir, which also has createdb and psql.
  const binDir = path.dirname(realpathSync(path.join(found, "initdb")));
  const banner = execFileSync(path.join(binDir, "pg_ctl"), ["--version"], { encoding: "utf8" });
  const version = /\(PostgreSQL\) (\S+)/.exec(banner)?.[1] ?? banner.trim();
  if (process.getuid?.() !== 0) return { binDir, version };
  const ids = userIds("postgres");
  if (ids === undefined) {
    return {
      missing:
        "running as root, and PostgreSQL refuses to: the server would run as the `postgres` user, which does not exist " +
        "(Debian's postgresql package creates it: apt-get install postgresql)",
    };
  }
  return { binDir, version, runAs: { user: "postgres", ...ids } };
}

/** A port the OS reports free on 127.0.0.1 (listen on port 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

const USER = "pulumi";
const PASSWORD = "pulumi-state";
const DATABASE = "pulumi_state";

/**
 * Starts a server as described at the top. Throws (with the server's log) if it cannot start; a
 * port taken between asking and binding is retried with another one.
 */
export async function startPostgres(install: PostgresInstall): Promise<RunningPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), "utho-postgres-"));
  const data = path.join(dir, "data");
  const log = path.join(dir, "server.log");
  const pwfile = path.join(dir, "pwfile");
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (install.runAs) for (const file of [dir, pwfile]) chownSync(file, install.runAs.uid, install.runAs.gid);

  /** A server command, as `postgres` when we are root. */
  const server = (tool: string, args: string[]) => {
    const binary = path.join(install.binDir, tool);
    const [command, argv] = install.runAs
      ? ["runuser", ["-u", install.runAs.user, "--", binary, ...args]]
      : [binary, args];
    return execFileSync(command, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  };
  const withLog = (error: unknown, what: string): Error => {
    const serverLog = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-30).join("\n") : "";
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    return new Error(`PostgreSQL: ${what} failed: ${stderr.trim()}\n${serverLog}`);
  };

  try {
    server("initdb", [
      "-D",
      data,
      "-U",
      USER,
      `--pwfile=${pwfile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--no-sync",
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw withLog(error, "initdb");
  }

  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      // The socket in our own dir (the default, /var/run/postgresql, may not exist); TCP on
      // loopback only; fsync off, as the data is thrown away.
      server("pg_ctl", [
        "start",
        "-w",
        "-D",
        data,
        "-l",
        log,
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      ]);
      break;
    } catch (error) {
      const taken = existsSync(log) && /could not bind|already in use/i.test(readFileSync(log, "utf8"));
      if (taken && attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw withLog(error, "pg_ctl start");
    }
  }

  const clientEnv = { ...process.env, PGPASSWORD: PASSWORD };
  const client = (tool: string, args: string[]) =>
    execFileSync(
      path.join(install.binDir, tool),
      ["-h", "127.0.0.1", "-p", String(port), "-U", USER, ...args],
      {
        encoding: "utf8",
        env: clientEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      server("pg_ctl", ["stop", "-m", "fast", "-w", "-D", data]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    client("createdb", [DATABASE]);
  } catch (error) {
    stop();
    throw withLog(error, "createdb");
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}?sslmode=disable`,
    port,
    version: install.version,
    sql: (query) =>
      client("psql", ["-d", DATABASE, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", query]).trim(),
    stop,
  };
}
