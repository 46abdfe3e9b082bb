/**
 * The README's reference tables for `ApiToken` list exactly the inputs of `ApiTokenArgs` and
 * the outputs the class declares (read from the source with the TypeScript compiler), so the
 * documentation cannot drift from the resource.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");

function declared(): { inputs: string[]; outputs: string[] } {
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

/** The backticked names in the first column of the table under `heading`. */
function tableNames(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const section = readme.slice(start + heading.length + 2).split(/\n#{2,4} /)[0] ?? "";
  const rows = section.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| ---"));
  return rows
    .slice(1)
    .flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ""));
}

const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

it("lists every input of ApiTokenArgs, and nothing else", () => {
  expect(tableNames(readme, "### Inputs").sort()).toEqual(declared().inputs.sort());
});

it("lists every output the class declares, plus id, and nothing else", () => {
  expect(tableNames(readme, "### Outputs").sort()).toEqual(["id", ...declared().outputs].sort());
});

it("finds the declarations it compares with", () => {
  const { inputs, outputs } = declared();
  expect(inputs).toEqual(expect.arrayContaining(["name", "scope", "adopt", "rotation", "connection"]));
  expect(outputs).toEqual(expect.arrayContaining(["name", "scope", "createdAt", "token", "accountId"]));
});
