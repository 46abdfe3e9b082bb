/**
 * What the YAML and Go examples (examples/yaml, examples/go) declare, as their tests check it
 * after an `up`: one Read-Only token `ciReader` (auto-named) in the default provider's account,
 * and one Write token `prod-deployer` through an explicit provider in the second account.
 */
import type { RunningEmulator } from "../../emulator";

export function exampleTokens(account: RunningEmulator, prod: RunningEmulator) {
  const [reader, ...others] = account.listTokens();
  expect(others).toEqual([]);
  expect([reader?.name.replace(/-[0-9a-f]{16}$/, ""), reader?.scope]).toEqual(["ciReader", "read"]);
  const [deployer, ...moreInProd] = prod.listTokens();
  expect(moreInProd).toEqual([]);
  expect([deployer?.name, deployer?.scope]).toEqual(["prod-deployer", "write"]);
  return { reader, deployer };
}
