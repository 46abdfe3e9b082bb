import type { TokenScope } from "../sdk/rules";

/** Bring an existing, hand-made token under management instead of minting one. */
export interface AdoptSpec {
  /** The token's Utho id. When omitted, the token is found by `name` (exactly one must match). */
  id?: string;
  /** The token's secret, if you have it (pass it as a Pulumi secret). Verified against the API. */
  token?: string;
}

/** The provider's inputs, as `check` returns them (resolved, validated, auto-named). */
export interface ApiTokenInputs {
  name: string;
  scope: TokenScope;
  adopt?: AdoptSpec;
  /** Any change of this value rotates the token: a new one is minted, then the old one revoked. */
  rotation?: string;
  /** The resource's logical name, the stem of an auto-generated `name`. */
  namePrefix?: string;
  /** True when `name` was generated; it then stays the same for the resource's life. */
  autoNamed?: boolean;
}

/** The provider's outputs: the inputs (the adopt secret excepted) plus what Utho reported. */
export interface ApiTokenOutputs {
  name: string;
  scope: TokenScope;
  createdAt: string;
  /** The secret. Present when minted by the provider or supplied with `adopt.token`. */
  token?: string;
  rotation?: string;
  /** The Utho account that holds the token (`account/info` user id). */
  accountId?: string;
  namePrefix?: string;
  autoNamed?: boolean;
}
