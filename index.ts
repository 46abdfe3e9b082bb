/**
 * utho-pulumi-tokens: Utho Cloud API tokens as code.
 *
 * - `UthoClient` and its errors: a typed Utho API client (`./sdk`).
 * - `ApiToken`: the Pulumi resource (`./provider`).
 * - `startEmulator`: a local Utho API for tests and demos (`./emulator`).
 */
export * from "./provider";
export * from "./sdk";
