import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmulatorOptions, startEmulator } from "../../emulator";
import { UthoConfigError } from "../../sdk/errors";
import { call, createToken, errorBody, listTokens } from "./helpers";

let dir: string;
let dataFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "utho-emulator-"));
  dataFile = join(dir, "state", "tokens.json");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

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

describe("the data file", () => {
  it("holds SHA-256 hashes of the secrets, never the secrets or the root key", async () => {
    const emulator = await startEmulator({ dataFile });
    try {
      const secrets = [await createToken(emulator, "ci", "1"), await createToken(emulator, "viewer", "0")];
      secrets.push(emulator.createTokenOutOfBand("console", "write").secret);
      const text = readFileSync(dataFile, "utf8");
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        expect(text).toContain(createHash("sha256").update(secret).digest("hex"));
      }
      expect(text).not.toContain(emulator.rootKey);
    } finally {
      await emulator.close();
    }
  });

  it("is readable by its owner only", async () => {
    const emulator = await startEmulator({ dataFile });
    try {
      await createToken(emulator, "ci", "1");
      if (process.platform !== "win32") expect(statSync(dataFile).mode & 0o777).toBe(0o600);
    } finally {
      await emulator.close();
    }
  });

  it("is always complete JSON, replaced whole, with no temporary file left behind", async () => {
    const emulator = await startEmulator({ dataFile });
    try {
      for (let i = 0; i < 30; i += 1) {
        const { id } = emulator.createTokenOutOfBand(`token-${i}`, i % 2 ? "read" : "write");
        if (i % 3 === 0) await call(emulator, "DELETE", `/api/${id}/delete`);
        const state = JSON.parse(readFileSync(dataFile, "utf8"));
        expect(state.tokens.map((token: { id: string }) => token.id)).toEqual(
          emulator.listTokens().map((token) => token.id),
        );
        expect(readdirSync(join(dir, "state"))).toEqual(["tokens.json"]);
      }
    } finally {
      await emulator.close();
    }
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
    const first = await startEmulator({ dataFile });
    await createToken(first, "ci", "1");
    await first.close();
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
      expect(thrown).toHaveProperty("message", expect.stringMatching(/tokens\.json cannot be written: /));
      expect(emulator.listTokens()).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
