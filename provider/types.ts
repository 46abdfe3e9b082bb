import type { TokenScope } from "../sdk/rules";

/** What the engine sends for a value not known yet (preview of a value from another resource). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export type Unknown = typeof UNKNOWN;

export const isUnknown = (value: unknown): value is Unknown => value === UNKNOWN;

/** Bring an existing, hand-made token under management instead of minting one. */
export interface AdoptSpec {
  /** The token's Utho id. When omitted, the token is found by `name` (exactly one must match). */
  id?: string;
  /** The token's secret, if you have it (pass it as a Pulumi secret). Verified against the API. */
  token?: string;
}

/** Credentials for one resource, overriding the provider's (`utho:apiKey`, `utho:baseUrl`). */
export interface ConnectionSpec {
  apiKey?: string;
  baseUrl?: string;
}

/**
 * The inputs that set the provider's policy for the token and that Utho never sees: whether a
 * new secret is verified, what refresh does about a missing token, when it is rotated and
 * expires, how long a previous one overlaps. A change to one is no replacement: `diff` calls it
 * an update, and `update` takes them from the new inputs; what the change makes due (a passed
 * `expiresAt`, a due `rotateAfter`) may then revoke or mint there.
 */
export const POLICY_INPUTS = ["verify", "onMissing", "rotateAfter", "expiresAt", "overlap"] as const;

/** What refresh does about a token deleted outside Pulumi. */
export type OnMissing = "recreate" | "fail";

/**
 * The inputs as `check` returns them: validated, auto-named, defaults applied. During preview a
 * value computed from another resource may still be unknown (`Unknown`, a string, so the string
 * inputs' types already include it), and so is a new resource's auto-name (see `naming.ts`).
 */
export interface CheckedInputs {
  name: string;
  scope: TokenScope | Unknown;
  adopt?: AdoptSpec | Unknown;
  /** Any change of this value rotates the token: a new one is minted, then the old one revoked. */
  rotation?: string;
  /** Any change of these values mints a new token, as `rotation` does. */
  keepers?: Record<string, string> | Unknown;
  /** A duration ("90d"): the token is replaced once that long has passed since its creation. */
  rotateAfter?: string;
  /**
   * A duration ("7d"): a rotation mints the new token in place and keeps the previous one valid
   * that long (`previousToken`), instead of a replacement that revokes it within the run.
   */
  overlap?: string;
  /** An ISO 8601 instant: the first up at or after it revokes the token. */
  expiresAt?: string;
  /**
   * Not the program's: `check` adds it once `expiresAt` has passed (`withExpiry`), so the
   * preview of the update that revokes the token marks a property (`+ expired: true`).
   */
  expired?: true;
  /** Whether a new secret must authenticate before create returns. @default true */
  verify?: boolean | Unknown;
  /** @default "recreate" */
  onMissing?: OnMissing | Unknown;
  connection?: ConnectionSpec | Unknown;
  /** The resource's logical name, the stem of an auto-generated `name`. */
  namePrefix?: string;
  /** True when `name` was generated; it then stays the same for the resource's life. */
  autoNamed?: boolean;
}

/** The inputs `create` and `update` see: the engine resolves every unknown before it calls them. */
export interface ApiTokenInputs extends CheckedInputs {
  scope: TokenScope;
  adopt?: AdoptSpec;
  keepers?: Record<string, string>;
  verify?: boolean;
  onMissing?: OnMissing;
  connection?: ConnectionSpec;
}

/** The provider's outputs: the inputs (the adopt secret excepted) plus what Utho reported. */
export interface ApiTokenOutputs {
  name: string;
  scope: TokenScope;
  /** When Utho created the current token. */
  createdAt: string;
  /**
   * The current token's Utho id. The resource's id is its first token's and never changes (an
   * update cannot change it); after an in-place rotation (`overlap`) this one differs. States
   * written before it existed lack it: the resource's id is then the token's (`tokenIdOf`).
   */
  tokenId?: string;
  /** The secret. Present when minted by the provider or supplied with `adopt.token`. */
  token?: string;
  /** `sha256:` and the first 16 hex characters of the secret's SHA-256; plain, to tell tokens apart. */
  fingerprint?: string;
  rotation?: string;
  keepers?: Record<string, string>;
  rotateAfter?: string;
  /** When the token is due for rotation (ISO 8601): its creation plus `rotateAfter`. */
  rotationDueAt?: string;
  /** When the provider minted the current token (its clock; a create, a replacement or a rotation). */
  rotatedAt?: string;
  overlap?: string;
  /** After an in-place rotation: the token it replaced, valid until `previousRevokeAt`. */
  previousToken?: string;
  previousTokenId?: string;
  /** When the previous token is revoked: the first up at or after it does so. */
  previousRevokeAt?: string;
  expiresAt?: string;
  /** Revoked at `expiresAt`: the resource stays, without a secret, until the program changes. */
  expired?: boolean;
  /**
   * The token's secret was never accepted within the settle window, and revoking it failed (a
   * partial failure): the next `up` verifies it again and, if Utho still refuses it, revokes it
   * and mints a new one in its place.
   */
  unverified?: boolean;
  /**
   * A refresh found the current token deleted outside Pulumi while the resource held a previous
   * one: the resource stays so that token has a holder, and the next `up` mints a new current one.
   */
  missing?: boolean;
  verify?: boolean;
  onMissing?: OnMissing;
  /** The Utho account that holds the token (`account/info` user id). */
  accountId?: string;
  /** The resource's own credentials, kept so refresh and delete reach the token's account. */
  connection?: ConnectionSpec;
  namePrefix?: string;
  autoNamed?: boolean;
}

/** The Utho id of the token a resource holds now: `tokenId`, else (older states) the resource id. */
export const tokenIdOf = (id: string, props: Pick<ApiTokenOutputs, "tokenId">): string => props.tokenId ?? id;
