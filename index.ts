/**
 * utho-pulumi-tokens: Utho Cloud API tokens as code.
 *
 * - `ApiToken`: the Pulumi resource (`./provider`).
 * - `UthoClient` and its errors: a typed Utho API client (`./sdk`).
 * - `startEmulator`: a local Utho API for tests and demos (`./emulator`).
 */

export {
  type EmulatorOptions,
  type FaultKind,
  type FaultRule,
  type RecordedRequest,
  type RunningEmulator,
  startEmulator,
} from "./emulator";
export * from "./provider";
export * from "./sdk";
