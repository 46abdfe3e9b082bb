/**
 * A Utho that refuses every new secret (for an hour, as a lagging key cache would) and fails
 * every DELETE, the conditions under which a create's new token can be neither verified nor
 * revoked; `recover()` closes it and starts one on the same data and port without either fault,
 * as the next run finds Utho once it caught up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RunningEmulator, startEmulator } from "../../emulator";

export interface RefusingUtho {
  readonly current: RunningEmulator;
  recover(): Promise<RunningEmulator>;
  close(): Promise<void>;
}

export async function refusingUtho(): Promise<RefusingUtho> {
  const dir = mkdtempSync(path.join(tmpdir(), "utho-refusing-"));
  const options = { dataFile: path.join(dir, "tokens.json"), rootKey: "root-key-of-the-refusing-utho" };
  let current = await startEmulator({ ...options, propagationMs: 3_600_000 });
  current.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
  return {
    get current() {
      return current;
    },
    async recover() {
      const port = Number(new URL(current.baseUrl).port);
      await current.close();
      current = await startEmulator({ ...options, port });
      return current;
    },
    async close() {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
