/**
 * What the dynamic `ApiToken` declares, read from its source with the TypeScript compiler: the
 * inputs of `ApiTokenArgs` and the outputs the class declares. The reference page and the
 * plugin's schema are both checked against it, so neither can drift from the resource.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");

export function declared(): { inputs: string[]; outputs: string[] } {
  const file = path.join(ROOT, "provider/api-token.ts");
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const inputs: string[] = [];
  const outputs: string[] = [];
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === "ApiTokenArgs") {
      for (const member of node.members) if (member.name) inputs.push(member.name.getText(source));
    }
    if (ts.isClassDeclaration(node) && node.name?.text === "ApiToken") {
      for (const member of node.members) {
        if (ts.isPropertyDeclaration(member)) outputs.push(member.name.getText(source));
      }
    }
  });
  return { inputs, outputs };
}
