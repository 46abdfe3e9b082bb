/**
 * The provider object Pulumi serializes into the state (`__provider`). It must stay tiny and
 * capture nothing secret: every method loads `operations` with `require` at run time, inside
 * the dynamic provider host, and only the module's specifier (a plain string) is captured.
 *
 * - Installed as a package (the module lives under `node_modules/`): the specifier is the
 *   package path, e.g. `utho-pulumi-tokens/dist/provider/operations`, resolved from the Pulumi
 *   program's directory at run time, so `read` and `delete` always run the installed version.
 * - Imported from a local checkout (this repo's own program and examples): the specifier is the
 *   absolute path of the compiled module, so it works without installing the package. State
 *   written this way refers to that path; moving the checkout needs a refresh-free `up` from
 *   the new place (the new path is recorded on the next create or update).
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type * as Operations from "./operations";
import type { ApiTokenOutputs, CheckedInputs } from "./types";

const NODE_MODULES = "/node_modules/";

/** The `require` specifier of the sibling `operations` module of a file at `filename`. */
export function operationsSpecifier(filename: string): string {
  const dir = path.dirname(filename).split(path.sep).join("/");
  const at = dir.lastIndexOf(NODE_MODULES);
  const base = at >= 0 ? dir.slice(at + NODE_MODULES.length) : dir;
  return `${base}/operations`;
}

const OPERATIONS_MODULE = operationsSpecifier(__filename);

function operations(): typeof Operations {
  return require(OPERATIONS_MODULE);
}

export const apiTokenProvider: pulumi.dynamic.ResourceProvider<CheckedInputs, ApiTokenOutputs> = {
  async configure(req) {
    operations().configure(req.config);
  },
  async check(olds, news) {
    return operations().check(olds, news as unknown as Record<string, unknown>);
  },
  async diff(id, olds, news) {
    return operations().diff(id, olds, news);
  },
  async create(inputs) {
    return operations().create(inputs);
  },
  async read(id, props) {
    return operations().read(id, props as ApiTokenOutputs);
  },
  async update(id, olds, news) {
    return operations().update(id, olds, news);
  },
  async delete(id, props) {
    await operations().remove(id, props);
  },
};
