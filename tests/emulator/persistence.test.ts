import { createHash } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmulatorOptions, startEmulator } from "../../emulator";
import { logFileOf, TokenStore } from "../../emulator/store";
import { UthoConfigError } from "../../sdk/errors";
import { call, createToken, errorBody, listTokens } from "./helpers";

let dir: string;
let dataFile: string;
let logFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "utho-emulator-"));
  dataFile = join(dir, "state", "tokens.json");
  logFile = logFileOf(dataFile);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A store on the test's data file, as an emulator process would open it at start. */
const openStore = (): TokenStore => new TokenStore("root", dataFile, "41250");

/** The error `fn` throws. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("nothing was thrown");
}

/** The log's complete lines, parsed. */
function logLines(): { op: string; id?: string; token?: { id: string } }[] {
  return readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

const ids = (store: TokenStore): string[] => store.list().map((token) => token.id);

/** Snapshot tokens by id, as the data file holds them. */
const snapshotIds = (): string[] =>
  JSON.parse(readFileSync(dataFile, "utf8")).tokens.map((token: { id: string }) => token.id);

/** The error `startEmulator` refuses to start with. */
async function startFailure(options: EmulatorOptions): Promise<unknown> {
  return startEmulator(options).then(
    async (emulator) => {
      await emulator.close();
      throw new Error("the emulator started");
    },
    (error: unknown) => error,
  );
}

describe("the data file and its log", () => {
  it("hold SHA-256 hashes of the secrets, never the secrets or the root key", async () => {
    const emulator = await startEmulator({ dataFile });
    const secrets: string[] = [];
    const expectHashesOnly = (text: string): void => {
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        expect(text).toContain(createHash("sha256").update(secret).digest("hex"));
      }
      expect(text).not.toContain(emulator.rootKey);
    };
    try {
      secrets.push(await createToken(emulator, "ci", "1"), await createToken(emulator, "viewer", "0"));
      secrets.push(emulator.createTokenOutOfBand("console", "write").secret);
      expectHashesOnly(readFileSync(logFile, "utf8"));
    } finally {
      // Closing folds the log into the snapshot.
      await emulator.close();
    }
    expect(readFileSync(logFile, "utf8")).toBe("");
    expectHashesOnly(readFileSync(dataFile, "utf8"));
  });

  it("are readable by their owner only", () => {
    const store = openStore();
    store.create("ci", "write");
    store.close();
    store.create("viewer", "read");
    if (process.platform !== "win32") {
      expect(statSync(dataFile).mode & 0o777).toBe(0o600);
      expect(statSync(logFile).mode & 0o777).toBe(0o600);
    }
  });

  it("get one JSON line per change in the log, and leave the snapshot alone until compaction", () => {
    const store = openStore();
    store.create("kept", "write");
    store.close();
    const snapshot = readFileSync(dataFile, "utf8");
    const { id } = store.create("doomed", "read");
    store.delete(id);
    store.create("other", "write");
    expect(readFileSync(dataFile, "utf8")).toBe(snapshot);
    expect(logLines()).toEqual([
      {
        op: "create",
        token: expect.objectContaining({ id, name: "doomed", scope: "read" }),
        nextId: Number(id) + 1,
      },
      { op: "delete", id },
      { op: "create", token: expect.objectContaining({ name: "other" }), nextId: Number(id) + 2 },
    ]);
    expect(readdirSync(join(dir, "state")).sort()).toEqual(["tokens.json", "tokens.json.log"]);
  });
});

describe("restart with the same data file", () => {
  it("keeps tokens, scopes, timestamps and working secrets, and forgets deleted ones", async () => {
    const first = await startEmulator({ dataFile, rootKey: "root-1" });
    const writer = await createToken(first, "ci", "1");
    const reader = await createToken(first, "viewer", "0");
    const doomed = await createToken(first, "doomed", "1");
    const doomedId = (await listTokens(first)).find((token) => token.name === "doomed")?.id;
    await call(first, "DELETE", `/api/${doomedId}/delete`);
    const before = await listTokens(first);
    await first.close();

    // A different root key: tokens belong to the account, the root key to the process.
    const second = await startEmulator({ dataFile, rootKey: "root-2" });
    try {
      expect(await listTokens(second)).toEqual(before);
      expect((await call(second, "GET", "/account/info", { key: writer })).status).toBe(200);
      expect((await call(second, "GET", "/account/info", { key: reader })).status).toBe(200);
      const denied = await call(second, "POST", "/api/generate", {
        key: reader,
        body: { name: "x", write: "1" },
      });
      expect(denied.status).toBe(403);
      expect((await call(second, "GET", "/account/info", { key: doomed })).status).toBe(401);
      expect((await call(second, "GET", "/api", { key: "root-1" })).status).toBe(401);

      // The deleted token had the highest id; ids carry on past it instead of reusing it.
      await createToken(second, "after-restart", "1");
      const created = (await listTokens(second)).find((token) => token.name === "after-restart");
      expect(Number(created?.id)).toBeGreaterThan(Number(doomedId));
    } finally {
      await second.close();
    }
  });

  it("refuses to start on a corrupt file and leaves it as it was", async () => {
    const first = openStore();
    first.create("ci", "write");
    first.close();
    const partial = readFileSync(dataFile, "utf8").slice(0, 40);
    writeFileSync(dataFile, partial);
    const error = await startFailure({ dataFile });
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toHaveProperty("message", expect.stringMatching(/tokens\.json is not valid JSON$/));
    expect(error).toHaveProperty("cause", expect.any(SyntaxError));
    expect(readFileSync(dataFile, "utf8")).toBe(partial);
  });

  it("refuses to start on JSON that is not an emulator data file", async () => {
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ tokens: "nope" }));
    const error = await startFailure({ dataFile: other });
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toHaveProperty(
      "message",
      expect.stringMatching(/other\.json is not an emulator data file \(/),
    );
    expect(error).toHaveProperty("cause.issues", expect.any(Array));
  });

  it("refuses a data file it cannot read, keeping the cause", async () => {
    const directory = join(dir, "a-directory");
    mkdirSync(directory);
    const error = await startFailure({ dataFile: directory });
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toMatchObject({ code: "UTHO_CONFIG", cause: { code: "EISDIR" } });
    expect(error).toHaveProperty("message", expect.stringMatching(/a-directory cannot be read: /));
  });

  it("refuses a file whose ids run ahead of nextId", async () => {
    const other = join(dir, "other.json");
    const token = {
      id: "5",
      name: "x",
      scope: "read",
      createdAt: "2026-01-01 00:00:00",
      secretSha256: "a".repeat(64),
    };
    writeFileSync(other, JSON.stringify({ version: 1, nextId: 5, tokens: [token] }));
    const error = await startFailure({ dataFile: other });
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toHaveProperty("message", expect.stringMatching(/inconsistent/));
  });
});

describe("a failed write", () => {
  it("answers 500 and commits nothing", async () => {
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const emulator = await startEmulator({ dataFile });
    try {
      // Replace the data directory by a plain file, so the next write cannot create its temporary file.
      rmSync(join(dir, "state"), { recursive: true });
      writeFileSync(join(dir, "state"), "");
      const response = await call(emulator, "POST", "/api/generate", { body: { name: "ci", write: "1" } });
      expect(response.status).toBe(500);
      expect(response.json).toEqual(errorBody("Internal Server Error"));
      expect(emulator.listTokens()).toEqual([]);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/ENOTDIR/));
    } finally {
      warn.mockRestore();
      await emulator.close();
    }
  });

  it("is a UthoConfigError, keeping the cause, for an out-of-band change", async () => {
    const emulator = await startEmulator({ dataFile });
    try {
      rmSync(join(dir, "state"), { recursive: true });
      writeFileSync(join(dir, "state"), "");
      let thrown: unknown;
      try {
        emulator.createTokenOutOfBand("console", "read");
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UthoConfigError);
      expect(thrown).toMatchObject({ code: "UTHO_CONFIG", cause: { code: "ENOTDIR" } });
      expect(thrown).toHaveProperty(
        "message",
        expect.stringMatching(/tokens\.json\.log cannot be written: /),
      );
      expect(emulator.listTokens()).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});

describe("the log", () => {
  it("is replayed over the snapshot at start, with no close before it", () => {
    const first = openStore();
    const kept = first.create("kept", "write");
    first.close();
    const doomed = first.create("doomed", "read");
    const logged = first.create("logged", "read");
    first.delete(doomed.id);
    first.delete(kept.id);
    // No close: as after a crash, the snapshot has "kept" and the log has the rest.
    expect(snapshotIds()).toEqual([kept.id]);

    const second = openStore();
    expect(second.list()).toEqual(first.list());
    expect(ids(second)).toEqual([logged.id]);
    expect(second.authenticate(logged.secret)).toBe("read");
    expect(second.authenticate(doomed.secret)).toBeUndefined();
    expect(second.create("next", "write").id).toBe(String(Number(logged.id) + 1));
  });

  it("ignores a torn last line, which the next append cuts off", () => {
    const first = openStore();
    const token = first.create("ci", "write");
    const complete = readFileSync(logFile, "utf8");
    // A crash in the middle of an append: part of a line, no newline, never acknowledged.
    appendFileSync(logFile, '{"op":"create","token":{"id":"1763');

    const second = openStore();
    expect(ids(second)).toEqual([token.id]);
    const next = second.create("next", "read");
    expect(next.id).toBe(String(Number(token.id) + 1));
    expect(readFileSync(logFile, "utf8").startsWith(complete)).toBe(true);
    expect(logLines().map((line) => line.token?.id)).toEqual([token.id, next.id]);
    expect(ids(openStore())).toEqual([token.id, next.id]);
  });

  it("refuses a corrupt line before the last, naming the file and the line, and leaves it as it was", () => {
    const store = openStore();
    store.create("a", "write");
    store.create("b", "write");
    store.create("c", "write");
    const [first, , third] = readFileSync(logFile, "utf8").split("\n");
    const corrupt = `${first}\n{"op":"create","tok\n${third}\n`;
    writeFileSync(logFile, corrupt);

    const error = thrownBy(openStore);
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toHaveProperty(
      "message",
      expect.stringMatching(/tokens\.json\.log line 2 is not valid JSON$/),
    );
    expect(error).toHaveProperty("cause", expect.any(SyntaxError));
    expect(readFileSync(logFile, "utf8")).toBe(corrupt);
  });

  it("refuses a line that is JSON but not a change", () => {
    openStore().create("a", "write");
    appendFileSync(logFile, `${JSON.stringify({ op: "rename", id: "1" })}\n`);
    const error = thrownBy(openStore);
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toHaveProperty(
      "message",
      expect.stringMatching(/tokens\.json\.log line 2 is not an emulator change \(op: /),
    );
  });

  it("leaves the snapshot untouched through 1,000 creates, one log line each", () => {
    const first = openStore();
    first.create("in-the-snapshot", "write");
    first.close();
    const before = statSync(dataFile);
    const snapshot = readFileSync(dataFile, "utf8");

    const store = openStore();
    for (let i = 0; i < 1000; i += 1) store.create(`token-${i}`, i % 2 ? "read" : "write");
    const after = statSync(dataFile);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(readFileSync(dataFile, "utf8")).toBe(snapshot);
    expect(logLines()).toHaveLength(1000);
    expect(ids(openStore())).toEqual(ids(store));
  });

  it("is compacted into a new snapshot once past max(1000, 2 x live tokens) lines, keeping every token", () => {
    const store = openStore();
    const created = Array.from({ length: 600 }, (_, i) => store.create(`token-${i}`, "write"));
    for (const { id } of created.slice(0, 300)) store.delete(id);
    // 900 lines; 401 live tokens after the next 100 creates, so the bound stays at 1,000 lines.
    for (let i = 0; i < 100; i += 1) store.create(`more-${i}`, "read");
    expect(logLines()).toHaveLength(1000);
    expect(existsSync(dataFile)).toBe(false);

    const last = store.create("the-1001st-line", "read");
    expect(readFileSync(logFile, "utf8")).toBe("");
    expect(snapshotIds()).toEqual(ids(store));
    expect(ids(store)).toHaveLength(401);
    expect(readdirSync(join(dir, "state")).sort()).toEqual(["tokens.json", "tokens.json.log"]);

    const reopened = openStore();
    expect(reopened.list()).toEqual(store.list());
    expect(reopened.authenticate(last.secret)).toBe("read");
    expect(reopened.authenticate(created[0].secret)).toBeUndefined();
  });

  it("is compacted on close, and a start after it reads the snapshot alone", () => {
    const store = openStore();
    store.create("a", "write");
    store.delete(store.create("b", "read").id);
    store.close();
    expect(readFileSync(logFile, "utf8")).toBe("");
    expect(openStore().list()).toEqual(store.list());
    expect(openStore().create("c", "write").id).toBe(String(Number(ids(store)[0]) + 2));
  });

  it("replays to the right state after a crash between the snapshot's rename and the log's truncation", () => {
    const store = openStore();
    const inSnapshot = store.create("in-snapshot", "write");
    const deletedLater = store.create("deleted-later", "read");
    store.close();
    const created = store.create("created", "write");
    const createdThenDeleted = store.create("created-then-deleted", "read");
    store.delete(createdThenDeleted.id);
    store.delete(deletedLater.id);
    const log = readFileSync(logFile);
    // The new snapshot is in place, but the crash came before the log was emptied.
    store.close();
    writeFileSync(logFile, log);

    const reopened = openStore();
    expect(reopened.list()).toEqual(store.list());
    expect(ids(reopened)).toEqual([inSnapshot.id, created.id]);
    expect(reopened.authenticate(createdThenDeleted.secret)).toBeUndefined();
    // Ids carry on past the replayed ones, and new changes after the stale lines replay too.
    const next = reopened.create("next", "write");
    expect(next.id).toBe(String(Number(createdThenDeleted.id) + 1));
    reopened.delete(created.id);
    expect(ids(openStore())).toEqual([inSnapshot.id, next.id]);
  });

  it("a compaction that cannot write its snapshot is a warning, and the change it followed stands", () => {
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      const store = openStore();
      // A directory where the snapshot goes: the rename over it fails.
      mkdirSync(join(dataFile, "in-the-way"), { recursive: true });
      // Create and delete, so the live tokens stay few and the bound stays at 1,000 lines.
      for (let i = 0; i < 500; i += 1) store.delete(store.create(`token-${i}`, "write").id);
      expect(warn).not.toHaveBeenCalled();
      store.create("the-1001st-line", "read");
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/tokens\.json cannot be written: /));
      expect(logLines()).toHaveLength(1001);
      // The next try waits until the log has doubled.
      store.create("one-more", "write");
      expect(warn).toHaveBeenCalledTimes(1);

      rmSync(dataFile, { recursive: true });
      expect(openStore().list()).toEqual(store.list());
    } finally {
      warn.mockRestore();
    }
  });
});

describe("a failed append", () => {
  it("to a log path that is a directory is a UthoConfigError and changes nothing", () => {
    const store = openStore();
    const kept = store.create("kept", "write");
    rmSync(logFile);
    mkdirSync(logFile);
    const error = thrownBy(() => store.create("lost", "write"));
    expect(error).toBeInstanceOf(UthoConfigError);
    expect(error).toMatchObject({ code: "UTHO_CONFIG", cause: { code: "EISDIR" } });
    expect(error).toHaveProperty("message", expect.stringMatching(/tokens\.json\.log cannot be written: /));
    expect(thrownBy(() => store.delete(kept.id))).toBeInstanceOf(UthoConfigError);
    expect(ids(store)).toEqual([kept.id]);

    rmSync(logFile, { recursive: true });
    // The failed create used no id.
    expect(store.create("after", "read").id).toBe(String(Number(kept.id) + 1));
  });

  it("takes back a line that reached the file before the flush failed", () => {
    const fs = jest.requireActual<typeof import("node:fs")>("node:fs");
    const store = openStore();
    const kept = store.create("kept", "write");
    const log = readFileSync(logFile, "utf8");
    const flush = jest.spyOn(fs, "fdatasyncSync").mockImplementationOnce(() => {
      throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    });
    try {
      const error = thrownBy(() => store.create("lost", "write"));
      expect(error).toMatchObject({ code: "UTHO_CONFIG", cause: { code: "EIO" } });
    } finally {
      flush.mockRestore();
    }
    expect(readFileSync(logFile, "utf8")).toBe(log);
    expect(ids(store)).toEqual([kept.id]);
    expect(ids(openStore())).toEqual([kept.id]);
  });
});
