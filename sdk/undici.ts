/**
 * undici, loaded by the first client rather than at import. The provider loads this SDK in every
 * Pulumi provider process, and a preview's (`check` and `diff`) sends nothing: undici is the
 * largest part of that load (about 70 ms of CPU on a quiet 2-core machine, twice that under
 * load; bench/analysis.md).
 */
import type * as Undici from "undici";

let loaded: typeof Undici | undefined;

export function undici(): typeof Undici {
  loaded ??= require("undici") as typeof Undici;
  return loaded;
}
