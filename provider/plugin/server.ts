/**
 * The `utho` resource provider plugin's gRPC service: the second shell around the operations
 * the dynamic `ApiToken` runs (`operations.ts`), for programs in any language. Its own shell,
 * not `@pulumi/pulumi/provider`'s `main`, because that one (3.248 to 3.270) hands the provider
 * no config in `Configure`, answers `CheckConfig` UNIMPLEMENTED, and fails an import's `Read`,
 * which carries no properties.
 *
 * What the engine sends is unwrapped here (`wire.ts`) and what goes back is wrapped: the plugin
 * accepts secrets, so the token secrets, a supplied `adopt`, a `connection` and anything the
 * program marked secret stay secrets in the state, whatever the language's SDK does.
 */
import type * as grpc from "@grpc/grpc-js";
import { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { resourceName } from "../naming";
import * as operations from "../operations";
import type { ProviderConfig } from "../settings";
import { type ApiTokenOutputs, type CheckedInputs, isUnknown } from "../types";
import { grpcStatus, statusOfError } from "./grpc-status";
import { API_TOKEN_TOKEN, PLUGIN_NAME, pluginSchema } from "./schema";
import { concealProperties, revealProperties } from "./wire";

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
type Callback<Res> = (error: grpc.ServiceError | null, response?: Res) => void;

const toStruct = (values: object) => Struct.fromJavaScript(values as Record<string, never>);
const fromStruct = (struct: Struct | undefined) => revealProperties(struct?.toJavaScript());

/**
 * A resource's state as the operations take it: revealed, and without the serialized provider a
 * token moved from the dynamic type by an alias still carries (docs/migrate.md), which the
 * next read or update then drops.
 */
function stateOf(struct: Struct | undefined) {
  const revealed = fromStruct(struct);
  delete revealed.values.__provider;
  return { ...revealed, values: revealed.values as unknown as ApiTokenOutputs };
}

/**
 * The provider's settings as `configure()` reads them (`utho:apiKey` from `apiKey`, and so on):
 * from the request's properties, else its config `variables`. Empty is unset, and so is a value
 * computed from another resource, unknown at preview: checked once known (the engine configures
 * no provider before every setting is).
 */
function configOf(
  values: Record<string, unknown>,
  variables?: { get(key: string): string | undefined },
): ProviderConfig {
  return {
    get(key: string) {
      const short = key.replace(/^utho:/, "");
      const value = values[short] ?? variables?.get(`${PLUGIN_NAME}:config:${short}`);
      return value === undefined || value === null || value === "" || isUnknown(value)
        ? undefined
        : String(value);
    },
  };
}

/** Runs one request; an error becomes the gRPC status the engine expects (`grpc-status.ts`). */
function answer<Res>(callback: Callback<Res>, run: () => Promise<Res> | Res): void {
  Promise.resolve()
    .then(run)
    .then(
      (response) => callback(null, response),
      (error: unknown) => callback(statusOfError(error)),
    );
}

function requireApiToken(type: string): void {
  if (type && type !== API_TOKEN_TOKEN)
    throw new Error(`the utho provider has no resource type ${type}; it has ${API_TOKEN_TOKEN}`);
}

export class UthoProviderService {
  constructor(private readonly version: string) {}

  getPluginInfo(_call: Call<Empty>, callback: Callback<PluginInfo>): void {
    callback(null, new PluginInfo().setVersion(this.version));
  }

  getSchema(_call: Call<proto.GetSchemaRequest>, callback: Callback<proto.GetSchemaResponse>): void {
    callback(null, new proto.GetSchemaResponse().setSchema(JSON.stringify(pluginSchema(this.version))));
  }

  /**
   * The provider's own settings are checked as a resource's are: before any request, naming the
   * key. The API key comes back a secret even when the stack config holds it in plain text: the
   * engine keeps a provider's settings in the state.
   */
  checkConfig(call: Call<proto.CheckRequest>, callback: Callback<proto.CheckResponse>): void {
    answer(callback, () => {
      const news = fromStruct(call.request.getNews());
      const failures = operations
        .configProblems(configOf(news.values))
        .map((reason) => checkFailure("", reason));
      const inputs = toStruct(concealProperties(news.values, new Set([...news.secretKeys, "apiKey"])));
      return new proto.CheckResponse().setInputs(inputs).setFailuresList(failures);
    });
  }

  /** New settings apply in place: no token is replaced because its provider's key changed. */
  diffConfig(call: Call<proto.DiffRequest>, callback: Callback<proto.DiffResponse>): void {
    answer(callback, () => {
      const olds = fromStruct(call.request.getOldInputs() ?? call.request.getOlds()).values;
      const news = fromStruct(call.request.getNews()).values;
      const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter(
        (key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]),
      );
      const changes =
        changed.length > 0
          ? proto.DiffResponse.DiffChanges.DIFF_SOME
          : proto.DiffResponse.DiffChanges.DIFF_NONE;
      return new proto.DiffResponse().setChanges(changes).setDiffsList(changed);
    });
  }

  configure(call: Call<proto.ConfigureRequest>, callback: Callback<proto.ConfigureResponse>): void {
    answer(callback, async () => {
      const args = fromStruct(call.request.getArgs()).values;
      await operations.configure(configOf(args, call.request.getVariablesMap()));
      // No `supportsPreview`: a preview never calls create or update, so it cannot act.
      return new proto.ConfigureResponse().setAcceptsecrets(true);
    });
  }

  check(call: Call<proto.CheckRequest>, callback: Callback<proto.CheckResponse>): void {
    answer(callback, () => {
      const request = call.request;
      requireApiToken(request.getType());
      const olds = fromStruct(request.getOlds());
      const news = fromStruct(request.getNews());
      const given = { ...news.values, namePrefix: resourceName(request.getUrn()) };
      const result = operations.check(olds.values, given, request.getRandomseed_asU8());
      const response = new proto.CheckResponse();
      if (result.inputs) response.setInputs(toStruct(concealProperties(result.inputs, news.secretKeys)));
      const failures = result.failures ?? [];
      return response.setFailuresList(failures.map((f) => checkFailure(f.property, f.reason)));
    });
  }

  diff(call: Call<proto.DiffRequest>, callback: Callback<proto.DiffResponse>): void {
    answer(callback, () => {
      const request = call.request;
      const olds = stateOf(request.getOlds()).values;
      const news = fromStruct(request.getNews()).values as unknown as CheckedInputs;
      const result = operations.diff(request.getId(), olds, news);
      const changes = result.changes
        ? proto.DiffResponse.DiffChanges.DIFF_SOME
        : proto.DiffResponse.DiffChanges.DIFF_NONE;
      return new proto.DiffResponse()
        .setChanges(changes)
        .setReplacesList(result.replaces ?? [])
        .setDeletebeforereplace(result.deleteBeforeReplace ?? false);
    });
  }

  create(call: Call<proto.CreateRequest>, callback: Callback<proto.CreateResponse>): void {
    answer(callback, async () => {
      const inputs = fromStruct(call.request.getProperties());
      const created = await operations.create(inputs.values as unknown as CheckedInputs);
      return new proto.CreateResponse()
        .setId(created.id)
        .setProperties(toStruct(concealProperties(created.outs)));
    });
  }

  /**
   * Refresh, and import: an import's request carries no properties, so the token is looked up
   * by id and its inputs (`name`, `scope`) are given back for the engine to record and print.
   */
  read(call: Call<proto.ReadRequest>, callback: Callback<proto.ReadResponse>): void {
    answer(callback, async () => {
      const request = call.request;
      const props = stateOf(request.getProperties());
      const response = new proto.ReadResponse();
      if (Object.keys(props.values).length === 0) {
        // An empty id: the engine says the token to import does not exist.
        const found = await operations.importExisting(request.getId());
        if (!found) return response.setId("");
        return response
          .setId(found.id)
          .setProperties(toStruct(concealProperties(found.props)))
          .setInputs(toStruct(found.inputs));
      }
      const read = await operations.read(request.getId(), props.values);
      response.setId(read.id).setProperties(toStruct(concealProperties(read.props, props.secretKeys)));
      const inputs = request.getInputs();
      if (inputs) response.setInputs(inputs);
      return response;
    });
  }

  update(call: Call<proto.UpdateRequest>, callback: Callback<proto.UpdateResponse>): void {
    answer(callback, async () => {
      const request = call.request;
      const olds = stateOf(request.getOlds()).values;
      const news = fromStruct(request.getNews());
      const updated = await operations.update(request.getId(), olds, news.values as unknown as CheckedInputs);
      return new proto.UpdateResponse().setProperties(toStruct(concealProperties(updated.outs)));
    });
  }

  delete(call: Call<proto.DeleteRequest>, callback: Callback<Empty>): void {
    answer(callback, async () => {
      const props = stateOf(call.request.getProperties()).values;
      await operations.remove(call.request.getId(), props);
      return new Empty();
    });
  }

  cancel(_call: Call<Empty>, callback: Callback<Empty>): void {
    callback(null, new Empty());
  }
}

/** The methods this plugin does not serve: the engine falls back, or says the plugin lacks them. */
export const UNSERVED = [
  "handshake",
  "invoke",
  "call",
  "list",
  "construct",
  "parameterize",
  "attach",
  "getMapping",
  "getMappings",
] as const;

export function unserved(method: string) {
  return (_call: unknown, callback: Callback<never>) =>
    callback(grpcStatus("UNIMPLEMENTED", `${method} is not served by the ${PLUGIN_NAME} provider`));
}

function checkFailure(property: string, reason: string): proto.CheckFailure {
  return new proto.CheckFailure().setProperty(property).setReason(reason);
}
