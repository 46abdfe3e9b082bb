/**
 * Errors as the engine reads them from a provider. A partial failure (a token minted, then a
 * step after it failed) carries the token's id and outputs in an `ErrorResourceInitFailed`
 * detail, so the engine records the token in the state instead of losing it, and the next
 * `up` finishes it with an update, as the dynamic-provider host does for the dynamic type.
 */
import * as grpc from "@grpc/grpc-js";
import { ErrorResourceInitFailed } from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { Any } from "google-protobuf/google/protobuf/any_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { PartialFailure } from "../errors";
import { concealProperties } from "./wire";

export function grpcStatus(code: keyof typeof grpc.status, message: string): grpc.ServiceError {
  return Object.assign(new Error(message), {
    code: grpc.status[code],
    details: message,
    metadata: new grpc.Metadata(),
  });
}

/** The status for what an operation threw (its message already redacted by `operations.ts`). */
export function statusOfError(error: unknown): grpc.ServiceError {
  const message = error instanceof Error ? error.message : String(error);
  const status = grpcStatus("UNKNOWN", message);
  if (!(error instanceof PartialFailure)) return status;
  const detail = new ErrorResourceInitFailed()
    .setId(error.id)
    .setProperties(Struct.fromJavaScript(concealProperties(error.properties) as Record<string, never>))
    .setReasonsList(error.reasons);
  const any = new Any();
  any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
  const details = new Status().setCode(grpc.status.UNKNOWN).setMessage(message);
  details.addDetails(any);
  status.metadata.add("grpc-status-details-bin", Buffer.from(details.serializeBinary()));
  return status;
}
