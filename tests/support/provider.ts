import type { RunningEmulator } from "../../emulator";
import * as operations from "../../provider/operations";

/** Configures the provider as the engine would, from a stack config of `utho:*` keys. */
export function configureProvider(emulator: RunningEmulator, extra: Record<string, string> = {}): void {
  const config: Record<string, string> = {
    "utho:apiKey": emulator.rootKey,
    "utho:baseUrl": emulator.baseUrl,
    ...extra,
  };
  operations.configure({ get: (key) => config[key] });
}
