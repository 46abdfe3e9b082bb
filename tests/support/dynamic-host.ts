/**
 * Runs a resource provider process and talks to it over gRPC the way the engine does: the
 * dynamic-provider host that ships in @pulumi/pulumi (`cmd/dynamic-provider`, what the engine
 * starts as `pulumi-resource-pulumi-nodejs`), which executes the serialized provider, or this
 * package's `utho` plugin (`bin/pulumi-resource-utho`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

// The generated gRPC stubs ship as JavaScript without usable typings for a client.
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");

type Props = Record<string, unknown>;
const DYNAMIC_URN = "urn:pulumi:test::project::pulumi-nodejs:dynamic:Resource::grpc-token";

export interface DynamicHost {
  configure(config: Props): Promise<void>;
  check(
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  /** The provider's own settings checked (the plugin's; the dynamic host serves no CheckConfig). */
  checkConfig(news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  diff(id: string, olds: Props, news: Props): Promise<{ changes: number; replaces: string[] }>;
  create(props: Props): Promise<{ id: string; properties: Props }>;
  read(id: string, props: Props): Promise<{ id: string; properties: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ properties: Props }>;
  delete(id: string, props: Props): Promise<void>;
  /** Everything the host printed on stdout and stderr. */
  output(): string;
  close(): void;
}

export function startDynamicHost(env: NodeJS.ProcessEnv, cwd: string): Promise<DynamicHost> {
  const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
  return startProviderProcess(process.execPath, [script], { env, cwd, urn: DYNAMIC_URN });
}

/** The `utho` plugin, as the engine runs it: the executable the package ships. */
export function startUthoPlugin(env: NodeJS.ProcessEnv, cwd: string, urn: string): Promise<DynamicHost> {
  return startProviderProcess(path.join(ROOT, "bin", "pulumi-resource-utho"), [], { env, cwd, urn });
}

async function startProviderProcess(
  command: string,
  args: string[],
  { env, cwd, urn: URN }: { env: NodeJS.ProcessEnv; cwd: string; urn: string },
): Promise<DynamicHost> {
  const child: ChildProcess = spawn(command, [...args, "127.0.0.1:1"], {
    cwd,
    env: { ...env, PULUMI_PROJECT: "project", PULUMI_STACK: "test" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`provider process exited (${code}): ${output}`)));
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](request, (error: Error | null, response: T) =>
        error ? reject(error) : resolve(response),
      ),
    );
  const struct = (props: Props) => Struct.fromJavaScript(props as Record<string, never>);

  return {
    async configure(config) {
      await call("configure", new provproto.ConfigureRequest().setArgs(struct(config)));
    },
    async check(olds, news) {
      const res = await call<{
        getInputs(): Struct;
        getFailuresList(): { getProperty(): string; getReason(): string }[];
      }>("check", new provproto.CheckRequest().setUrn(URN).setOlds(struct(olds)).setNews(struct(news)));
      return {
        inputs: res.getInputs()?.toJavaScript() ?? {},
        failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async checkConfig(news) {
      const res = await call<{
        getInputs(): Struct;
        getFailuresList(): { getProperty(): string; getReason(): string }[];
      }>(
        "checkConfig",
        new provproto.CheckRequest()
          .setUrn("urn:pulumi:test::project::pulumi:providers:utho::default")
          .setNews(struct(news)),
      );
      return {
        inputs: res.getInputs()?.toJavaScript() ?? {},
        failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(id, olds, news) {
      const res = await call<{ getChanges(): number; getReplacesList(): string[] }>(
        "diff",
        new provproto.DiffRequest().setId(id).setUrn(URN).setOlds(struct(olds)).setNews(struct(news)),
      );
      return { changes: res.getChanges(), replaces: res.getReplacesList() };
    },
    async create(props) {
      const res = await call<{ getId(): string; getProperties(): Struct }>(
        "create",
        new provproto.CreateRequest().setUrn(URN).setProperties(struct(props)),
      );
      return { id: res.getId(), properties: res.getProperties().toJavaScript() };
    },
    async read(id, props) {
      const res = await call<{ getId(): string; getProperties(): Struct }>(
        "read",
        new provproto.ReadRequest().setId(id).setUrn(URN).setProperties(struct(props)),
      );
      return { id: res.getId(), properties: res.getProperties()?.toJavaScript() ?? {} };
    },
    async update(id, olds, news) {
      const res = await call<{ getProperties(): Struct }>(
        "update",
        new provproto.UpdateRequest().setId(id).setUrn(URN).setOlds(struct(olds)).setNews(struct(news)),
      );
      return { properties: res.getProperties().toJavaScript() };
    },
    async delete(id, props) {
      await call("delete", new provproto.DeleteRequest().setId(id).setUrn(URN).setProperties(struct(props)));
    },
    output: () => output,
    close() {
      client.close();
      child.kill();
    },
  };
}

export const DIFF_SOME = 2;
export const ROOT = path.resolve(__dirname, "../..");

/** What the engine receives from a partial failure: the resource's id, outputs and reasons. */
export interface InitFailure {
  id: string;
  properties: Props;
  reasons: string[];
}

/**
 * The `ErrorResourceInitFailed` a failed call carries in its `grpc-status-details-bin`
 * metadata, as the engine decodes it; undefined for a plain failure.
 */
export function initFailureOf(error: unknown): InitFailure | undefined {
  const metadata = (error as { metadata?: grpc.Metadata }).metadata;
  const [bin] = metadata?.get("grpc-status-details-bin") ?? [];
  if (!bin) return undefined;
  const [detail] = statusproto.Status.deserializeBinary(bin).getDetailsList();
  const failed = detail.unpack(
    provproto.ErrorResourceInitFailed.deserializeBinary,
    "pulumirpc.ErrorResourceInitFailed",
  );
  return {
    id: failed.getId(),
    properties: failed.getProperties().toJavaScript(),
    reasons: failed.getReasonsList(),
  };
}
