import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { UthoConfigError } from "../sdk/errors";
import { type TokenScope, tokenScopeSchema } from "../sdk/rules";
import { writeFileAtomicSync } from "./atomic-file";

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

const persistedSchema = z.object({
  version: z.literal(1),
  nextId: z.number().int().positive(),
  tokens: z.array(
    z.object({
      id: z.string().regex(/^\d+$/),
      name: z.string(),
      scope: tokenScopeSchema,
      createdAt: z.string(),
      secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});

type PersistedState = z.infer<typeof persistedSchema>;

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

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Reads the data file; one that cannot be read, parsed or trusted is a {@link UthoConfigError}. */
function loadState(dataFile: string): PersistedState {
  const refuse = (problem: string, cause?: unknown) =>
    new UthoConfigError(`emulator data file ${dataFile} ${problem}`, { cause });
  if (!existsSync(dataFile)) return EMPTY_STATE;
  let text: string;
  try {
    text = readFileSync(dataFile, "utf8");
  } catch (error) {
    throw refuse(`cannot be read: ${messageOf(error)}`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw refuse("is not valid JSON", error);
  }
  const parsed = persistedSchema.safeParse(json);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw refuse(
      `is not an emulator data file (${where}${issue?.message ?? "unexpected shape"})`,
      parsed.error,
    );
  }
  const state = parsed.data;
  if (state.tokens.some((token) => Number(token.id) >= state.nextId)) {
    throw refuse("is inconsistent: a token id is not below nextId");
  }
  return state;
}

/**
 * The account's tokens: the root key (given at start, full rights, never listed) plus tokens created
 * through the API or out of band. Every change is written through to `dataFile`, when there is one,
 * before it takes effect in memory, so a failed write changes nothing.
 */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly idsByHash = new Map<string, string>();
  private readonly rootHash: string;
  private nextId: number;

  constructor(
    rootKey: string,
    private readonly dataFile: string | undefined,
    /** The account's id, as `account/info` reports it. */
    readonly accountId: string,
  ) {
    this.rootHash = hashSecret(rootKey);
    const state = dataFile ? loadState(dataFile) : EMPTY_STATE;
    if (dataFile) {
      try {
        mkdirSync(dirname(dataFile), { recursive: true });
      } catch (error) {
        throw new UthoConfigError(`emulator data file ${dataFile} cannot be created: ${messageOf(error)}`, {
          cause: error,
        });
      }
    }
    this.nextId = state.nextId;
    for (const token of state.tokens) this.insert(token);
  }

  /**
   * The scope a secret grants, or undefined when it is not a live credential. Comparing SHA-256 digests
   * of the secrets rather than the secrets themselves leaves nothing for a timing attack to learn.
   */
  authenticate(secret: string): TokenScope | undefined {
    const hash = hashSecret(secret);
    if (hash === this.rootHash) return "write";
    const id = this.idsByHash.get(hash);
    return id === undefined ? undefined : this.tokens.get(id)?.scope;
  }

  create(name: string, scope: TokenScope): { id: string; secret: string } {
    const secret = generateSecret();
    const record: TokenRecord = {
      id: String(this.nextId),
      name,
      scope,
      createdAt: formatTimestamp(new Date()),
      secretSha256: hashSecret(secret),
    };
    this.persist(this.nextId + 1, [...this.tokens.values(), record]);
    this.nextId += 1;
    this.insert(record);
    return { id: record.id, secret };
  }

  delete(id: string): boolean {
    const record = this.tokens.get(id);
    if (!record) return false;
    this.persist(
      this.nextId,
      [...this.tokens.values()].filter((token) => token !== record),
    );
    this.tokens.delete(id);
    this.idsByHash.delete(record.secretSha256);
    return true;
  }

  /**
   * Tokens in creation order. `omitNewest` answers as a lagging replica would: without the token from the
   * most recent create (nextId - 1), if that token still exists.
   */
  list(options: { omitNewest?: boolean } = {}): TokenInfo[] {
    const newestId = String(this.nextId - 1);
    return [...this.tokens.values()]
      .filter((token) => !(options.omitNewest && token.id === newestId))
      .map(({ id, name, scope, createdAt }) => ({ id, name, scope, createdAt }));
  }

  private insert(record: TokenRecord): void {
    this.tokens.set(record.id, record);
    this.idsByHash.set(record.secretSha256, record.id);
  }

  /** Writes the state through; a file that cannot be written is a {@link UthoConfigError}. */
  private persist(nextId: number, tokens: TokenRecord[]): void {
    if (!this.dataFile) return;
    const state: PersistedState = { version: 1, nextId, tokens };
    try {
      writeFileAtomicSync(this.dataFile, `${JSON.stringify(state, null, 2)}\n`);
    } catch (error) {
      throw new UthoConfigError(
        `emulator data file ${this.dataFile} cannot be written: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
}
