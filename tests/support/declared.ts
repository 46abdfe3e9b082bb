/**
 * What the `ApiToken` classes declare, read from the source with the TypeScript compiler: the
 * inputs of `ApiTokenArgs` (provider/api-token.ts) and the outputs of
 * `ApiTokenOutputProperties` (provider/outputs.ts), which both classes merge into themselves.
 * The reference page and the plugin's schema are both checked against it, so neither can drift
 * from the resource.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");

/** The member names of the interface `name` in `file`. */
function members(file: string, name: string): string[] {
  const full = path.join(ROOT, file);
  const source = ts.createSourceFile(full, readFileSync(full, "utf8"), ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name)
      for (const member of node.members) if (member.name) names.push(member.name.getText(source));
  });
  return names;
}

export function declared(): { inputs: string[]; outputs: string[] } {
  return {
    inputs: members("provider/api-token.ts", "ApiTokenArgs"),
    outputs: members("provider/outputs.ts", "ApiTokenOutputProperties"),
  };
}
