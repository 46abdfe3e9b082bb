/**
 * Secret hygiene through the real CLI. Every secret that was ever live (the provider's API key,
 * each token's secret, a wrong key that was tried) is searched for, in clear, as any 16-character
 * piece, in hex and in base64 at any alignment, in: the stdout and stderr of every run (plain,
 * `--debug`, `-v=9 --logtostderr`, `-v=9 --logflow`), the log files `-v=9` writes to $TMPDIR,
 * `pulumi stack export`, every file of the project (the state backend's checkpoints, backups and
 * history, $PULUMI_HOME/logs, the stack config), the emulator's request log, and the errors of
 * failed runs (a 500 that fails a revocation, a 401 from a wrong key).
 *
 * Nothing of this package's own prints a secret. Pulumi does, in two modes, and the tests assert
 * exactly what and where (docs/lifecycle.md, "What ends up in the state"): `--debug` prints each
 * registered token's secret in the Node.js SDK's `RegisterResource RPC finished` message, and
 * `-v=9` logs the property values of the engine's gRPC calls, token secrets and a `utho:apiKey`
 * from stack config among them.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { RecordedRequest } from "../../emulator";
import type { PulumiResult } from "../../scripts/engine";
import { type Credentials, type E2EProject, type RunOptions, useProjects } from "../support/e2e";

const openProject = useProjects();

/** A piece of text to scan, named by where it came from. */
interface Source {
  where: string;
  text: string;
}

/** Where a secret was found, and in which form; the secret itself is never part of it. */
interface Finding {
  where: string;
  secret: string;
  form: string;
  /** The line it was found on, every secret replaced by its label (`<provider API key>`). */
  line: string;
}

/** base64 of `secret` as it would appear at any byte offset inside a longer encoded text. */
function base64Forms(secret: string): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret)]).toString("base64");
    // Leading characters mix in the padding bytes, trailing ones the next bytes: keep the middle.
    const core = encoded.slice(offset === 0 ? 0 : 4, -4);
    forms.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...new Set(forms)];
}

/** The forms besides the secret in clear: any 16-character piece of it, its hex and base64. */
function encodedForms(secret: string): { form: string; text: string }[] {
  const forms: { form: string; text: string }[] = [];
  for (let i = 0; i + 16 <= secret.length; i++)
    forms.push({ form: "16-character piece", text: secret.slice(i, i + 16) });
  forms.push({ form: "hex", text: Buffer.from(secret).toString("hex") });
  for (const text of base64Forms(secret)) forms.push({ form: "base64", text });
  return forms;
}

/** `text` with every known secret, in every form, replaced by its label. */
function mask(text: string, secrets: Map<string, string>): string {
  let out = text;
  for (const [label, secret] of secrets) out = out.split(secret).join(`<${label}>`);
  for (const [label, secret] of secrets) {
    for (const { form, text: needle } of encodedForms(secret))
      out = out.split(needle).join(`<${label}: ${form}>`);
  }
  return out;
}

function lineAround(text: string, at: number): string {
  const start = text.lastIndexOf("\n", at) + 1;
  const end = text.indexOf("\n", at);
  return text.slice(start, end === -1 ? undefined : end);
}

/** Every occurrence of every secret, in clear first; an encoded form is searched where the clear one is not. */
function scan(sources: Source[], secrets: Map<string, string>): Finding[] {
  const findings: Finding[] = [];
  for (const { where, text } of sources) {
    for (const [label, secret] of secrets) {
      const forms = [{ form: "clear", text: secret }, ...encodedForms(secret)];
      let rest = text;
      for (const { form, text: needle } of forms) {
        for (let at = rest.indexOf(needle); at !== -1; at = rest.indexOf(needle, at + needle.length)) {
          findings.push({ where, secret: label, form, line: mask(lineAround(rest, at), secrets) });
        }
        // An encoded form inside a clear occurrence (a piece of it) is not a finding of its own.
        rest = rest.split(needle).join("\0");
      }
    }
  }
  return findings;
}

// What Pulumi itself prints. -v=9 logs every property of every gRPC call the engine makes (to
// stderr with --logtostderr, else to a log file in $TMPDIR); a secret the engine sends to a
// provider that does not accept secrets is the object `{4dabf18193072939515e22adb298388d: ...,
// value: <in clear>}`, and its `value` is logged like any other property.
const CONFIGURE = "-v=9: Configure() inputs, the stack config utho:apiKey";
const CREATE = "-v=9: Create() outputs, the new token's secret";
const READ = "-v=9: Read() outputs, the refreshed token's secret";
const REGISTER = "-v=9: RegisterResource() reply, the token's outputs sent to the program";
const STACK_OUTPUTS = "-v=9: RegisterResourceOutputs(), the stack's outputs";
// The Node.js SDK's debug message `RegisterResource RPC finished: <resource>; err: null, resp:
// <the engine's reply>`, whose outputs hold the secret in clear, one per ApiToken the program
// registers, changed or not: in the run's output with --debug, in the engine's log with -v=9.
const SDK_DEBUG = "--debug: the Node.js SDK's `RegisterResource RPC finished` message";

/** Each kind as the line shows it, every secret replaced by its label. */
const PULUMI_PRINTS: [string, RegExp][] = [
  [
    CONFIGURE,
    /"Marshaling property for RPC\[Provider\[0x[0-9a-f]+\]\.Configure\(\)\.inputs\]: value=\{<provider API key>\}"/,
  ],
  [
    CREATE,
    /"Unmarshaling property for RPC\[Provider\[0x[0-9a-f]+\]\.Create\(urn:[^)]+\)\.outputs\]: token=\{<[^>]+>\}"/,
  ],
  [
    READ,
    /"Unmarshaling property for RPC\[Provider\[0x[0-9a-f]+\]\.Read\(\d+,urn:[^)]+\)\.outputs\]: token=\{<[^>]+>\}"/,
  ],
  [
    REGISTER,
    /"Marshaling property for RPC\[ResourceMonitor\.RegisterResource\([^)]+\)\]: value=\{<[^>]+>\}"/,
  ],
  [
    STACK_OUTPUTS,
    /"Unmarshaling property for RPC\[ResourceMonitor\.RegisterResourceOutputs\([^)]+\)\]: value=\{<[^>]+>\}"/,
  ],
  [
    SDK_DEBUG,
    /,token,,,,,4dabf18193072939515e22adb298388d,,,1b47061264138c4ac30d75fd1eb44270,value,,,<[^>]+>,/,
  ],
];

/** A finding that is none of these would be a leak of this package's own. */
const UNEXPLAINED = "unexplained";

/** Where → which of PULUMI_PRINTS → which secrets (sorted). */
type Summary = Record<string, Record<string, string[]>>;

/** Sums findings up; one in an encoded form is always unexplained. */
function summarize(findings: Finding[]): Summary {
  const summary: Summary = {};
  for (const finding of findings) {
    const kind =
      finding.form === "clear"
        ? (PULUMI_PRINTS.find(([, pattern]) => pattern.test(finding.line))?.[0] ?? UNEXPLAINED)
        : UNEXPLAINED;
    const byKind = summary[finding.where] ?? {};
    const secrets = byKind[kind] ?? [];
    if (!secrets.includes(finding.secret)) secrets.push(finding.secret);
    byKind[kind] = secrets.sort();
    summary[finding.where] = byKind;
  }
  return summary;
}

/** glog names a log file `<program>.<host>.<user>.log.<LEVEL>.<date>-<time>.<pid>`: one source per program and level. */
function logFileName(name: string): string {
  const match = /^(.+?)\.[^.]+\.[^.]+\.log\.([A-Z]+)\.\d{8}-\d{6}\.\d+$/.exec(name);
  return match ? `${match[1]} log file (${match[2]})` : name;
}

/** Every file under `dir` (installed packages aside), each once even if linked; same-named logs merged. */
function filesUnder(dir: string, label: string, into = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") filesUnder(full, `${label}/${entry.name}`, into);
    } else if (entry.isFile()) {
      const where = `${label}/${logFileName(entry.name)}`;
      into.set(where, (into.get(where) ?? "") + readFileSync(full, "latin1"));
    }
  }
  return into;
}

/** A project whose every CLI run, emulator request and process warning is kept for the scan. */
interface Scanned {
  p: E2EProject;
  /** Label → secret, e.g. "provider API key", "token secret 2" (the second secret of `token`). */
  secrets: Map<string, string>;
  /** Runs `pulumi <args>` with $TMPDIR (where -v=9 writes its log files) in the project's .tmp/. */
  run(args: string[], options?: RunOptions): Promise<PulumiResult>;
  /** Adds every token secret now in the state, read with --show-secrets (kept out of the transcript). */
  collectTokenSecrets(): Promise<void>;
  /** Everything to scan: each run's stdout and stderr, other CLI output, the emulator's log, files. */
  sources(): Source[];
}

const TOKEN_TYPE = "pulumi-nodejs:dynamic/utho:ApiToken";

async function openScanned(source: string, credentials: Credentials): Promise<Scanned> {
  const emulatorLog: string[] = [];
  // The emulator CLI logs one line per request from exactly these fields (emulator/cli.ts).
  const onRequest = (request: RecordedRequest, durationMs: number): void => {
    emulatorLog.push(`${JSON.stringify(request)} ${durationMs.toFixed(1)}ms`);
  };
  // The emulator reports unexpected failures as process warnings.
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(`${warning.name}: ${warning.message}`);
  };
  process.on("warning", onWarning);
  const p = await openProject(source, { credentials, emulator: { onRequest } });
  const tmp = path.join(p.dir, ".tmp");
  mkdirSync(tmp);
  const secrets = new Map([["provider API key", p.emulator.rootKey]]);
  const runs: Source[] = [];
  const ranByRun = new Set<number>();

  const run: Scanned["run"] = async (args, options = {}) => {
    const before = p.transcript.length;
    const started = Date.now();
    try {
      return await p.pulumi(args, { ...options, env: { TMPDIR: tmp, ...options.env } });
    } finally {
      const name = `pulumi ${args.join(" ")}`;
      process.stdout.write(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      const [stdout = "", stderr = ""] = p.transcript.slice(before);
      runs.push({ where: `${name} (stdout)`, text: stdout }, { where: `${name} (stderr)`, text: stderr });
      for (let i = before; i < p.transcript.length; i++) ranByRun.add(i);
    }
  };

  const collectTokenSecrets: Scanned["collectTokenSecrets"] = async () => {
    const exported = (await p.pulumi(["stack", "export", "--show-secrets"], { secret: true })).stdout;
    const { deployment } = JSON.parse(exported) as {
      deployment: { resources?: { urn: string; type: string; outputs?: { token?: unknown } }[] };
    };
    for (const resource of deployment.resources ?? []) {
      let token = resource.outputs?.token;
      // --show-secrets shows a secret as `{ "4dabf18193072939515e22adb298388d": ..., "plaintext": "<JSON>" }`.
      if (token !== null && typeof token === "object" && "plaintext" in token) {
        token = JSON.parse(String(token.plaintext));
      }
      if (resource.type !== TOKEN_TYPE || typeof token !== "string" || [...secrets.values()].includes(token))
        continue;
      const name = resource.urn.split("::").pop() ?? "";
      const seen = [...secrets.keys()].filter((label) => label.startsWith(`${name} secret `)).length;
      secrets.set(`${name} secret ${seen + 1}`, token);
    }
  };

  return {
    p,
    secrets,
    run,
    collectTokenSecrets,
    sources: () => {
      process.off("warning", onWarning);
      const others = p.transcript.flatMap((text, i) =>
        ranByRun.has(i)
          ? []
          : [{ where: `other CLI output [${i}] (stack init, config set, stack export)`, text }],
      );
      const files = [...filesUnder(p.dir, "project")].map(([where, text]) => ({
        where: where.replace("project/.tmp/", "$TMPDIR/"),
        text,
      }));
      return [
        ...runs,
        ...others,
        { where: "emulator log", text: emulatorLog.join("\n") },
        { where: "process warnings", text: warnings.join("\n") },
        ...files,
      ];
    },
  };
}

/** Scans everything `s` kept; prints the summary, and the line of every unexplained finding (secrets masked). */
function scanAll(s: Scanned, extra: Source[]): { summary: Summary; scanned: string[] } {
  const sources = [...extra, ...s.sources()];
  const findings = scan(sources, s.secrets);
  const summary = summarize(findings);
  process.stdout.write(`secrets searched: ${[...s.secrets.keys()].join(", ")}\n`);
  process.stdout.write(`found, by where and kind: ${JSON.stringify(summary, null, 2)}\n`);
  for (const finding of findings) {
    if (summarize([finding])[finding.where]?.[UNEXPLAINED]) {
      process.stdout.write(
        `UNEXPLAINED in ${finding.where} (${finding.form}): ${finding.line.slice(0, 600)}\n`,
      );
    }
  }
  return {
    summary,
    scanned: sources.filter((source) => source.text.length > 0).map((source) => source.where),
  };
}

/** Sources that must have been scanned (non-empty), so an empty scan cannot pass for a clean one. */
const ALWAYS_SCANNED = [
  "pulumi stack export",
  "emulator log",
  expect.stringMatching(/^project\/\.state\/\.pulumi\/stacks\/.+\/e2e\.json$/),
  expect.stringMatching(/^project\/\.state\/\.pulumi-home\/logs\/organization\+.+\.log$/),
  "project/Pulumi.e2e.yaml",
];

it("credentials from stack config: up, preview, refresh, a failed up and destroy, in every mode", async () => {
  const s = await openScanned("tests/e2e/programs/token", "config");
  const { p, run } = s;

  await run(["up", "--yes", "--skip-preview", "--debug"]);
  await s.collectTokenSecrets();

  await p.setConfig("rotation", "r1");
  await run(["preview", "--diff", "--debug"]);
  await run(["up", "--yes", "--skip-preview", "-v=9", "--logtostderr"]);
  await s.collectTokenSecrets();
  await run(["refresh", "--yes", "-v=9", "--logtostderr"]);
  const state = await p.exportState();
  expect(state).toContain('"ciphertext"');

  // A failed run: the old token cannot be revoked once its replacement is minted. Without
  // --logtostderr, -v=9 writes log files to $TMPDIR (the plugins' too, with --logflow).
  p.emulator.injectFault({ kind: "500", method: "DELETE", times: 10 });
  await p.setConfig("rotation", "r2");
  const failed = await run(["up", "--yes", "--skip-preview", "--debug", "-v=9", "--logflow"], {
    expectFailure: true,
  });
  expect(failed.stdout).toMatch(/DELETE .* failed with HTTP 500/);
  p.emulator.clearFaults();
  await s.collectTokenSecrets();

  await run(["destroy", "--yes", "--skip-preview", "-v=9", "--logtostderr", "--debug"]);
  expect(p.emulator.listTokens()).toEqual([]);
  expect([...s.secrets.keys()]).toEqual([
    "provider API key",
    "token secret 1",
    "token secret 2",
    "token secret 3",
  ]);

  const { summary, scanned } = scanAll(s, [{ where: "pulumi stack export", text: state }]);
  expect(scanned).toEqual(
    expect.arrayContaining([
      ...ALWAYS_SCANNED,
      "$TMPDIR/pulumi log file (INFO)",
      "$TMPDIR/pulumi-language-nodejs log file (INFO)",
    ]),
  );
  const minted = (secret: string) => ({
    [CREATE]: [secret],
    [REGISTER]: [secret],
    [STACK_OUTPUTS]: [secret],
    [SDK_DEBUG]: [secret],
  });
  // Everything else is clean: the plain runs and preview --diff --debug (a replacement, whose
  // outputs are not known yet), the stack export, every file of the state backend and of
  // $PULUMI_HOME/logs, the emulator's log and the failed run's error.
  expect(summary).toEqual({
    "pulumi up --yes --skip-preview --debug (stdout)": { [SDK_DEBUG]: ["token secret 1"] },
    "pulumi up --yes --skip-preview -v=9 --logtostderr (stderr)": {
      [CONFIGURE]: ["provider API key"],
      ...minted("token secret 2"),
    },
    // Without --skip-preview, refresh configures the provider and reads the token twice.
    "pulumi refresh --yes -v=9 --logtostderr (stderr)": {
      [CONFIGURE]: ["provider API key"],
      [READ]: ["token secret 2"],
    },
    "pulumi up --yes --skip-preview --debug -v=9 --logflow (stdout)": { [SDK_DEBUG]: ["token secret 3"] },
    "$TMPDIR/pulumi log file (INFO)": { [CONFIGURE]: ["provider API key"], ...minted("token secret 3") },
    // destroy sends each token's outputs to Delete as a secret: only the key is logged.
    "pulumi destroy --yes --skip-preview -v=9 --logtostderr --debug (stderr)": {
      [CONFIGURE]: ["provider API key"],
    },
  });
});

it("credentials from the environment: up, a refresh failing with a wrong key and destroy", async () => {
  const s = await openScanned("tests/e2e/programs/many", "env");
  const { p, run } = s;

  await p.setConfig("count", "2");
  await run(["up", "--yes", "--skip-preview", "-v=9", "--logtostderr"]);
  await s.collectTokenSecrets();
  await p.setConfig("count", "3");
  await run(["up", "--yes", "--skip-preview", "--debug"]);
  await s.collectTokenSecrets();

  // A wrong API key in the environment: its 401 fails the refresh.
  const wrongKey = randomBytes(32).toString("hex");
  s.secrets.set("wrong API key", wrongKey);
  const failed = await run(["refresh", "--yes", "--skip-preview", "--debug", "-v=9", "--logtostderr"], {
    expectFailure: true,
    env: { UTHO_API_KEY: wrongKey },
  });
  expect(failed.stdout).toContain("HTTP 401");
  const state = await p.exportState();
  expect(state).toContain('"ciphertext"');
  await run(["destroy", "--yes", "--skip-preview", "-v=9", "--logtostderr", "--debug"]);
  expect(p.emulator.listTokens()).toEqual([]);
  expect([...s.secrets.keys()].sort()).toEqual([
    "provider API key",
    "token-0 secret 1",
    "token-1 secret 1",
    "token-2 secret 1",
    "wrong API key",
  ]);

  const { summary, scanned } = scanAll(s, [{ where: "pulumi stack export", text: state }]);
  expect(scanned).toEqual(expect.arrayContaining(ALWAYS_SCANNED));
  // A key from the environment never crosses gRPC, so even -v=9 has no trace of it, nor of the
  // wrong one (whose refresh fails before any Read returns); the program exports no secret, so
  // RegisterResourceOutputs has none either.
  expect(summary).toEqual({
    "pulumi up --yes --skip-preview -v=9 --logtostderr (stderr)": {
      [CREATE]: ["token-0 secret 1", "token-1 secret 1"],
      [REGISTER]: ["token-0 secret 1", "token-1 secret 1"],
      [SDK_DEBUG]: ["token-0 secret 1", "token-1 secret 1"],
    },
    // Every token the program registers, the two unchanged ones too.
    "pulumi up --yes --skip-preview --debug (stdout)": {
      [SDK_DEBUG]: ["token-0 secret 1", "token-1 secret 1", "token-2 secret 1"],
    },
  });
});
