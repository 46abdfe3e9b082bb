/**
 * utho-pulumi-tokens: Utho Cloud API tokens as code.
 *
 * - `.` (this module): the `ApiToken` resource and its types. Importing it loads neither the
 *   SDK's client nor the emulator.
 * - `utho-pulumi-tokens/sdk`: `UthoClient`, its errors and the token rules.
 * - `utho-pulumi-tokens/emulator`: `startEmulator`, a local Utho API for tests and demos.
 *
 * package.json exports two more paths, for the Pulumi state and not as an API:
 * `dist/provider/host.js`, the provider the state records, and `dist/provider/operations`, which
 * state written by 0.1.x requires.
 */
export {
  ApiToken,
  type ApiTokenAdoptArgs,
  type ApiTokenArgs,
  type ApiTokenConnectionArgs,
} from "./provider/api-token";
export type { TokenScope } from "./sdk/rules";
