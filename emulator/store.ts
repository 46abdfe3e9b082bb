import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { UthoConfigError } from "../sdk/errors";
import { type TokenScope, tokenScopeSchema } from "../sdk/rules";
import { writeFileAtomicSync } from "./atomic-file";
import { Journal } from "./journal";

export interface TokenInfo {
  id: string;
  name: string;
  /** Utho's "Read-Only" (`write: "0"`) is "read", its "Write" (`write: "1"`) is "write". */
  scope: TokenScope;
  /** `YYYY-MM-DD HH:MM:SS` in UTC, the shape Utho's listing uses. */
  createdAt: string;
}

interface TokenRecord extends TokenInfo {
  /** Only the hash is ever kept, in memory and on disk: the clear secret leaves once, in the create reply. */
  secretSha256: string;
}

/** Ids look like Utho's (the docs show "176300"); they only ever grow and are never reused. */
const FIRST_ID = 176300;

/**
 * The log is folded into a new snapshot once it holds more lines than this or twice the live tokens,
 * whichever is more: the snapshot's O(N) rewrite is then paid once per O(N) changes.
 */
const MIN_LOG_LINES_BEFORE_COMPACTION = 1000;

const tokenRecordSchema = z.object({
  id: z.string().regex(/^\d+$/),
  name: z.string(),
  scope: tokenScopeSchema,
  createdAt: z.string(),
  secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const persistedSchema = z.object({
  version: z.literal(1),
  nextId: z.number().int().positive(),
  tokens: z.array(tokenRecordSchema),
});

type PersistedState = z.infer<typeof persistedSchema>;

/** One line of the log: a change, with what replaying it needs to tell whether the snapshot has it. */
const changeSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("create"), token: tokenRecordSchema, nextId: z.number().int().positive() }),
  z.object({ op: z.literal("delete"), id: z.string().regex(/^\d+$/) }),
]);

type Change = z.infer<typeof changeSchema>;

const EMPTY_STATE: PersistedState = { version: 1, nextId: FIRST_ID, tokens: [] };

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** 32 random bytes as 64 hex characters: 256 bits, and safe in any header or shell without quoting. */
export function generateSecret(): string {
  return randomBytes(32).toString("hex");
}

function formatTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

const infoOf = ({ id, name, scope, createdAt }: TokenInfo): TokenInfo => ({ id, name, scope, createdAt });

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The log beside a data file, holding the changes its snapshot does not have yet. */
export const logFileOf = (dataFile: string): string => `${dataFile}.log`;

/** A problem with the data on disk; `subject` names the file (and the line), e.g. "data file /x.json". */
const dataError = (subject: string, problem: string, cause?: unknown): UthoConfigError =>
  new UthoConfigError(`emulator ${subject} ${problem}`, { cause });

/** Runs a write; one that fails is a {@link UthoConfigError} naming the file, with fs's error as cause. */
function writing(subject: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    throw dataError(subject, `cannot be written: ${messageOf(error)}`, error);
  }
}

/** Parses JSON text of the expected shape; anything else is a {@link UthoConfigError} about `subject`. */
function parseData<T>(subject: string, text: string, schema: z.ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw dataError(subject, "is not valid JSON", error);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw dataError(
      subject,
      `is not ${what} (${where}${issue?.message ?? "unexpected shape"})`,
      parsed.error,
    );
  }
  return parsed.data;
}

/** Reads the snapshot; one that cannot be read, parsed or trusted is a {@link UthoConfigError}. */
function loadState(dataFile: string): PersistedState {
  const subject = `data file ${dataFile}`;
  if (!existsSync(dataFile)) return EMPTY_STATE;
  let text: string;
  try {
    text = readFileSync(dataFile, "utf8");
  } catch (error) {
    throw dataError(subject, `cannot be read: ${messageOf(error)}`, error);
  }
  const state = parseData(subject, text, persistedSchema, "an emulator data file");
  if (state.tokens.some((token) => Number(token.id) >= state.nextId)) {
    throw dataError(subject, "is inconsistent: a token id is not below nextId");
  }
  return state;
}

/** Opens the log and parses its complete lines; a bad one is a {@link UthoConfigError} naming its line. */
function loadLog(logFile: string): { journal: Journal; changes: Change[] } {
  let opened: ReturnType<typeof Journal.open>;
  try {
    opened = Journal.open(logFile);
  } catch (error) {
    throw dataError(`data log ${logFile}`, `cannot be read: ${messageOf(error)}`, error);
  }
  const changes = opened.lines.map(({ number, text }) => {
    const subject = `data log ${logFile} line ${number}`;
    const change = parseData(subject, text, changeSchema, "an emulator change");
    if (change.op === "create" && Number(change.token.id) >= change.nextId) {
      throw dataError(subject, "is inconsistent: the token id is not below nextId");
    }
    return change;
  });
  return { journal: opened.journal, changes };
}

/**
 * The account's tokens: the root key (given at start, full rights, never listed) plus tokens created
 * through the API or out of band. With a `dataFile`, the tokens live in that snapshot plus a log beside
 * it ({@link logFileOf}), one JSON line per change. Every change is appended to the log and flushed
 * before it takes effect in memory, so an acknowledged change survives a crash and a failed write
 * changes nothing; the log is folded into a new snapshot once it is long, and on {@link close}.
 */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly idsByHash = new Map<string, string>();
  private readonly rootHash: string;
  private readonly disk: { dataFile: string; journal: Journal } | undefined;
  private nextId: number;
  /** The token of the most recent delete, which a lagging listing still shows. */
  private lastDeleted: TokenInfo | undefined;
  /** When each token created by this process was created (ms since the epoch), for `propagationMs`. */
  private readonly mintedAt = new Map<string, number>();
  /** After a failed compaction, the log length at which to try again. */
  private retryCompactionAt = 0;

  constructor(
    rootKey: string,
    dataFile: string | undefined,
    /** The account's id, as `account/info` reports it. */
    readonly accountId: string,
    /** How long a new token's secret is refused (401) after its creation, as a real API's caches lag. */
    private readonly propagationMs = 0,
  ) {
    this.rootHash = hashSecret(rootKey);
    const state = dataFile ? loadState(dataFile) : EMPTY_STATE;
    this.nextId = state.nextId;
    for (const token of state.tokens) this.insert(token);
    if (!dataFile) return;
    try {
      mkdirSync(dirname(dataFile), { recursive: true });
    } catch (error) {
      throw dataError(`data file ${dataFile}`, `cannot be created: ${messageOf(error)}`, error);
    }
    const { journal, changes } = loadLog(logFileOf(dataFile));
    for (const change of changes) this.apply(change);
    this.disk = { dataFile, journal };
    this.compactIfLong();
  }

  /**
   * The scope a secret grants, or undefined when it is not a live credential. Comparing SHA-256 digests
   * of the secrets rather than the secrets themselves leaves nothing for a timing attack to learn.
   */
  authenticate(secret: string): TokenScope | undefined {
    const hash = hashSecret(secret);
    if (hash === this.rootHash) return "write";
    const id = this.idsByHash.get(hash);
    if (id === undefined) return undefined;
    const minted = this.mintedAt.get(id);
    if (minted !== undefined && Date.now() - minted < this.propagationMs) return undefined;
    return this.tokens.get(id)?.scope;
  }

  /** The id of the live token whose secret this is; undefined for the root key and anything else. */
  idOf(secret: string): string | undefined {
    const id = this.idsByHash.get(hashSecret(secret));
    return id !== undefined && this.tokens.has(id) ? id : undefined;
  }

  create(name: string, scope: TokenScope): { id: string; secret: string } {
    const secret = generateSecret();
    const token: TokenRecord = {
      id: String(this.nextId),
      name,
      scope,
      createdAt: formatTimestamp(new Date()),
      secretSha256: hashSecret(secret),
    };
    this.commit({ op: "create", token, nextId: this.nextId + 1 });
    if (this.propagationMs > 0) this.mintedAt.set(token.id, Date.now());
    return { id: token.id, secret };
  }

  delete(id: string): boolean {
    const record = this.tokens.get(id);
    if (!record) return false;
    this.commit({ op: "delete", id });
    this.lastDeleted = infoOf(record);
    return true;
  }

  /**
   * Tokens in creation order. `lagging` answers as a replica behind the latest changes would: without
   * the token of the most recent create (nextId - 1), and still with the token of the most recent
   * delete, so both a create and a delete can seem not to have happened yet.
   */
  list(options: { lagging?: boolean } = {}): TokenInfo[] {
    const live = [...this.tokens.values()].map(infoOf);
    if (!options.lagging) return live;
    const newestId = String(this.nextId - 1);
    const stale = live.filter((token) => token.id !== newestId);
    const ghost = this.lastDeleted;
    if (ghost && ghost.id !== newestId) {
      // Ids grow with creation order, so the ghost goes back where it was.
      const at = stale.findIndex((token) => Number(token.id) > Number(ghost.id));
      stale.splice(at === -1 ? stale.length : at, 0, ghost);
    }
    return stale;
  }

  /** Folds the log into the snapshot, so the next start reads one file; a failed write is a {@link UthoConfigError}. */
  close(): void {
    if (this.disk && this.disk.journal.lines > 0) this.compact();
  }

  /** Logs the change, then applies it: a log that cannot be written is a {@link UthoConfigError}. */
  private commit(change: Change): void {
    const journal = this.disk?.journal;
    if (journal) writing(`data log ${journal.file}`, () => journal.append(JSON.stringify(change)));
    this.apply(change);
    this.compactIfLong();
  }

  /**
   * Applies a change, as made or as replayed from the log. Replay may meet changes the snapshot already
   * has (a crash between writing a snapshot and emptying the log), so applying is idempotent: a token
   * whose id is below nextId was created already (and maybe deleted since), and ids are never reused,
   * so deleting a token that is not there means the deletion happened already.
   */
  private apply(change: Change): void {
    if (change.op === "create") {
      if (Number(change.token.id) < this.nextId) return;
      this.nextId = change.nextId;
      this.insert(change.token);
      return;
    }
    const record = this.tokens.get(change.id);
    if (!record) return;
    this.tokens.delete(change.id);
    this.idsByHash.delete(record.secretSha256);
  }

  private insert(record: TokenRecord): void {
    this.tokens.set(record.id, record);
    this.idsByHash.set(record.secretSha256, record.id);
  }

  /**
   * Compacts once the log is past its bound. The change that got it there is on disk already, so a
   * failure only leaves the log longer: a warning, and the next try waits until the log doubles.
   */
  private compactIfLong(): void {
    const lines = this.disk?.journal.lines ?? 0;
    const bound = Math.max(MIN_LOG_LINES_BEFORE_COMPACTION, 2 * this.tokens.size, this.retryCompactionAt);
    if (lines <= bound) return;
    try {
      this.compact();
      this.retryCompactionAt = 0;
    } catch (error) {
      this.retryCompactionAt = 2 * lines;
      process.emitWarning(`utho emulator: ${messageOf(error)}`);
    }
  }

  /**
   * Writes the state as a new snapshot (atomically: the old one or the new one, never half of either),
   * then empties the log. A crash in between leaves a log the snapshot already has, which replay skips.
   */
  private compact(): void {
    if (!this.disk) return;
    const { dataFile, journal } = this.disk;
    const state: PersistedState = { version: 1, nextId: this.nextId, tokens: [...this.tokens.values()] };
    writing(`data file ${dataFile}`, () =>
      writeFileAtomicSync(dataFile, `${JSON.stringify(state, null, 2)}\n`),
    );
    writing(`data log ${journal.file}`, () => journal.truncate());
  }
}
