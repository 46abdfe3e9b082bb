/**
 * The dynamic provider that Pulumi serializes into the state (`__provider`): this module's
 * exports are the provider's methods, each loading `operations` at run time, inside the dynamic
 * provider host. It captures nothing secret and stays tiny, which matters at scale: the engine
 * writes every resource's inputs and outputs (both carry `__provider`) to the state after every
 * step.
 *
 * - Installed as a package (in `node_modules/`), the closure serializer records the module by
 *   reference: `require("utho-pulumi-tokens/dist/provider/host.js")` (about 250 characters),
 *   resolved from the program's directory at run time, so `read` and `delete` always run the
 *   installed version.
 * - Imported from a local checkout (this repo's own program), the module is serialized by value,
 *   with the absolute path of the compiled `operations` module inlined, so it works without
 *   installing the package; moving the checkout needs an `up` from the new place.
 *
 * State written by 0.1.x holds an older shape that requires
 * `utho-pulumi-tokens/dist/provider/operations` directly; that path stays exported.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type * as Operations from "./operations";
import type { ApiTokenOutputs, CheckedInputs } from "./types";

const OPERATIONS_MODULE = path.join(__dirname, "operations");

function operations(): typeof Operations {
  return require(OPERATIONS_MODULE);
}

type Provider = Required<pulumi.dynamic.ResourceProvider<CheckedInputs, ApiTokenOutputs>>;

export const configure: Provider["configure"] = async (req) => operations().configure(req.config);
export const check: Provider["check"] = async (olds, news) =>
  operations().check(olds, news as unknown as Record<string, unknown>);
export const diff: Provider["diff"] = async (id, olds, news) => operations().diff(id, olds, news);
export const create: Provider["create"] = async (inputs) => operations().create(inputs);
export const read: Provider["read"] = async (id, props) => operations().read(id, props as ApiTokenOutputs);
export const update: Provider["update"] = async (id, olds, news) => operations().update(id, olds, news);
const remove: Provider["delete"] = async (id, props) => operations().remove(id, props);

export { remove as delete };
