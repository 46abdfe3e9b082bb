import { parseArgs } from "node:util";
import { UthoConfigError } from "../sdk/errors";
import { FAULT_KINDS } from "./faults";
import { type EmulatorConfig, type EmulatorOptions, OPTION_DEFAULTS, parseEmulatorOptions } from "./options";

export const USAGE = `Usage: utho-emulator [options]

A local Utho API (/v2/api, /v2/api/generate, /v2/api/{id}/delete, /v2/account/info).
Prints the base URL as the first line of stdout, logs one line per request to stderr,
and runs until SIGINT or SIGTERM.

Options:
  --port <n>              TCP port, 0 for a free one (default ${OPTION_DEFAULTS.port})
  --host <address>        address to listen on (default ${OPTION_DEFAULTS.host})
  --root-key <key>        the account's master key (default: $UTHO_EMULATOR_ROOT_KEY,
                          else a random key, written to a file named on stderr); prefer
                          the variable: an argument shows in \`ps\` and in npm's banner
  --data <file>           persist tokens (hashed secrets only) in this JSON file
  --latency-ms <n>        delay added to every response (default ${OPTION_DEFAULTS.latencyMs})
  --fault-rate <0..1>     probability per request of a random fault (default ${OPTION_DEFAULTS.faultRate})
  --faults <k1,k2,...>    kinds eligible for random faults, from:
                          ${FAULT_KINDS.join(", ")}
                          (default: all but slow and stale-list)
  --slow-ms <n>           how long a "slow" fault stalls (default ${OPTION_DEFAULTS.slowMs})
  --retry-after <s>       Retry-After seconds sent with a 429 (default ${OPTION_DEFAULTS.retryAfterSeconds})
  --propagation-ms <n>    how long a new token's secret is refused after its creation
                          (default ${OPTION_DEFAULTS.propagationMs})
  -h, --help              print this help
`;

export type CliCommand = { kind: "help" } | { kind: "run"; options: EmulatorConfig };

/**
 * A decimal number becomes a number; any other text is passed on as it is, for the options schema
 * to refuse with its rule (a string is never a number there).
 */
function numeric(text: string): number | string {
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : text;
}

/** "500, reset,,stale-list" → ["500", "reset", "stale-list"]; the schema checks the kinds. */
function list(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

const verbatim = (text: string): string => text;

/**
 * The command line's flags: the option each one sets and how its text becomes that option's value.
 * Types and ranges are the options schema's business alone (emulator/options.ts).
 */
const FLAGS = [
  ["port", "port", numeric],
  ["host", "host", verbatim],
  ["root-key", "rootKey", verbatim],
  ["data", "dataFile", verbatim],
  ["latency-ms", "latencyMs", numeric],
  ["fault-rate", "faultRate", numeric],
  ["faults", "faults", list],
  ["slow-ms", "slowMs", numeric],
  ["propagation-ms", "propagationMs", numeric],
  ["retry-after", "retryAfterSeconds", numeric],
] as const satisfies readonly (readonly [string, keyof EmulatorOptions, (text: string) => unknown])[];

const ROOT_KEY_VARIABLE = "UTHO_EMULATOR_ROOT_KEY";

/**
 * Turns argv (without node and the script) and the environment into what the CLI should do. A command
 * line the emulator cannot run with is a UthoConfigError naming the flag and, for a bad value, the
 * same rule `startEmulator` states for the option; the CLI prints it and exits with status 2.
 */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    // parseArgs names the offending flag in its message ("Unknown option '--prot'").
    throw new UthoConfigError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return { kind: "help" };

  const input: Record<string, unknown> = {};
  const flagOf: Record<string, string> = {};
  for (const [flag, option, convert] of FLAGS) {
    const text = values[flag];
    if (typeof text === "string") input[option] = convert(text);
    flagOf[option] = `--${flag}`;
  }
  const envKey = env[ROOT_KEY_VARIABLE];
  if (input.rootKey === undefined && envKey) {
    input.rootKey = envKey;
    flagOf.rootKey = ROOT_KEY_VARIABLE;
  }
  return { kind: "run", options: parseEmulatorOptions(input, (option) => flagOf[option] ?? option) };
}

const PARSE_OPTIONS: Record<string, { type: "string" | "boolean"; short?: string }> = {
  ...Object.fromEntries(FLAGS.map(([flag]) => [flag, { type: "string" }])),
  help: { type: "boolean", short: "h" },
};

function parse(args: string[]) {
  return parseArgs({ args, strict: true, allowPositionals: false, options: PARSE_OPTIONS });
}
