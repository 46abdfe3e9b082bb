/**
 * `pulumi-resource-utho`: the provider plugin's process. The engine starts it, reads the port
 * it prints on stdout, and talks gRPC to it; the process ends when the engine closes it.
 */
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderService } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { SDK_VERSION } from "../../sdk/version";
import { reportToStderr } from "../context";
import { describeError } from "../errors";
import { UNSERVED, UthoProviderService, unserved } from "./server";

/** gRPC's default 4 MiB would refuse a large state's request; the engine allows 400 MiB. */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;

async function main(): Promise<void> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  const service = new UthoProviderService(SDK_VERSION);
  const implementation: Record<string, unknown> = Object.fromEntries(
    UNSERVED.map((method) => [method, unserved(method)]),
  );
  for (const method of Object.getOwnPropertyNames(UthoProviderService.prototype)) {
    if (method === "constructor") continue;
    const handler = (service as unknown as Record<string, (...args: never[]) => void>)[method];
    implementation[method] = handler?.bind(service);
  }
  server.addService(ResourceProviderService, implementation as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  process.stdout.write(`${port}\n`);
}

// What escapes every handler is said once, redacted like every other message, and fails the run;
// Node's default would print the raw error, which may quote a secret.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => {
    reportToStderr(`the utho plugin failed: ${describeError(error)}`);
    process.exitCode = 1;
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`utho plugin: ${describeError(error)}\n`);
  process.exit(1);
});
