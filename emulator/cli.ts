#!/usr/bin/env node
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UthoConfigError } from "../sdk/errors";
import { parseCliArgs, USAGE } from "./cli-args";
import { type RecordedRequest, startEmulator } from "./index";

function logRequest(request: RecordedRequest, durationMs: number): void {
  // Method, path, status, fault and time only: headers and bodies may carry keys and never reach the log.
  const fault = request.fault ? ` fault=${request.fault}` : "";
  process.stderr.write(
    `${new Date().toISOString()} ${request.method} ${request.path} ${request.status}${fault} ${durationMs.toFixed(1)}ms\n`,
  );
}

async function main(): Promise<void> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    // A command line the emulator cannot run with: an unknown flag, or a value an option refuses.
    if (!(error instanceof UthoConfigError)) throw error;
    process.stderr.write(`utho-emulator: ${error.message}\nTry --help for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (command.kind === "help") {
    process.stdout.write(USAGE);
    return;
  }

  const running = await startEmulator({ ...command.options, onRequest: logRequest });

  // A second signal while closing must not close twice; once closed, nothing holds the process open.
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    running.close().catch((error: unknown) => {
      process.stderr.write(`utho-emulator: error while closing: ${String(error)}\n`);
      process.exitCode = 1;
    });
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);

  if (command.options.rootKey === undefined) {
    // The key goes to a file only this user can read, never to the log, which people paste.
    // The file goes when the emulator does, and the key with it.
    const keyDir = mkdtempSync(join(tmpdir(), "utho-emulator-"));
    const keyFile = join(keyDir, "root-key");
    writeFileSync(keyFile, `${running.rootKey}\n`, { mode: 0o600 });
    process.on("exit", () => rmSync(keyDir, { recursive: true, force: true }));
    process.stderr.write(`utho-emulator: generated a root key, in ${keyFile} (readable by you only)\n`);
  }
  // Line 1 of stdout is the contract with scripts that start the emulator: nothing may precede it, and
  // it comes last, so whoever sees it may already send requests and signals.
  process.stdout.write(`${running.baseUrl}\n`);
}

main().catch((error: unknown) => {
  // Start-up failures (UthoConfigError): port in use, unreadable or invalid data file.
  process.stderr.write(`utho-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
