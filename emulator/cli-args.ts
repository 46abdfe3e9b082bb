import { parseArgs } from "node:util";
import { FAULT_KINDS, type FaultKind, isFaultKind } from "./faults";
import { type EmulatorOptions, MAX_DELAY_MS, MAX_RETRY_AFTER_SECONDS } from "./index";

export const USAGE = `Usage: utho-emulator [options]

A local Utho API (/v2/api, /v2/api/generate, /v2/api/{id}/delete, /v2/account/info).
Prints the base URL as the first line of stdout, logs one line per request to stderr,
and runs until SIGINT or SIGTERM.

Options:
  --port <n>              TCP port, 0 for a free one (default 0)
  --host <address>        address to listen on (default 127.0.0.1)
  --root-key <key>        the account's master key (default: $UTHO_EMULATOR_ROOT_KEY,
                          else a random key printed on stderr)
  --data <file>           persist tokens (hashed secrets only) in this JSON file
  --latency-ms <n>        delay added to every response (default 0)
  --fault-rate <0..1>     probability per request of a random fault (default 0)
  --faults <k1,k2,...>    kinds eligible for random faults, from:
                          ${FAULT_KINDS.join(", ")}
                          (default: all but slow and stale-list)
  --slow-ms <n>           how long a "slow" fault stalls (default 30000)
  --retry-after <s>       Retry-After seconds sent with a 429 (default 1)
  -h, --help              print this help
`;

/** A command line the emulator cannot run with; the CLI prints the message and exits with status 2. */
export class UsageError extends Error {}

export type CliCommand = { kind: "help" } | { kind: "run"; options: EmulatorOptions };

function integerFlag(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number <= max)) throw new UsageError(`${flag} must be an integer from 0 to ${max}, got "${value}"`);
  return number;
}

function rateFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = value.trim() === "" ? Number.NaN : Number(value);
  if (!(number >= 0 && number <= 1))
    throw new UsageError(`${flag} must be a number from 0 to 1, got "${value}"`);
  return number;
}

function faultsFlag(flag: string, value: string | undefined): FaultKind[] | undefined {
  if (value === undefined) return undefined;
  const kinds = value
    .split(",")
    .map((kind) => kind.trim())
    .filter((kind) => kind !== "");
  const unknown = kinds.find((kind) => !isFaultKind(kind));
  if (unknown !== undefined) {
    throw new UsageError(`${flag}: unknown fault kind "${unknown}" (known: ${FAULT_KINDS.join(", ")})`);
  }
  return kinds.filter(isFaultKind);
}

/** Turns argv (without node and the script) and the environment into what the CLI should do. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    // parseArgs names the offending flag in its message ("Unknown option '--prot'").
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { kind: "help" };
  const options: EmulatorOptions = {
    port: integerFlag("--port", values.port, 65535),
    host: values.host,
    rootKey: values["root-key"] ?? (env.UTHO_EMULATOR_ROOT_KEY || undefined),
    dataFile: values.data,
    latencyMs: integerFlag("--latency-ms", values["latency-ms"], MAX_DELAY_MS),
    faultRate: rateFlag("--fault-rate", values["fault-rate"]),
    faults: faultsFlag("--faults", values.faults),
    slowMs: integerFlag("--slow-ms", values["slow-ms"], MAX_DELAY_MS),
    retryAfterSeconds: integerFlag("--retry-after", values["retry-after"], MAX_RETRY_AFTER_SECONDS),
  };
  return { kind: "run", options };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "root-key": { type: "string" },
      data: { type: "string" },
      "latency-ms": { type: "string" },
      "fault-rate": { type: "string" },
      faults: { type: "string" },
      "slow-ms": { type: "string" },
      "retry-after": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
