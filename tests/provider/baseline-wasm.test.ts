/**
 * `--liftoff-only` (WebAssembly on V8's baseline tier, for undici's parser) is no longer set for
 * the whole dynamic-provider host when the provider is loaded: only while its first operation
 * runs, when undici compiles the parser. The flag calls are recorded, not made.
 */
const flags: string[] = [];
jest.mock("node:v8", () => ({
  ...jest.requireActual("node:v8"),
  setFlagsFromString: (flag: string) => void flags.push(flag),
}));
beforeEach(() => {
  flags.length = 0;
});

it("loading the provider's entry point sets no V8 flag", () => {
  jest.isolateModules(() => {
    require("../../provider/operations");
  });
  expect(flags).toEqual([]);
});

it("is set while the first operation runs, switched back when it ends, and never again", async () => {
  let withBaselineWasm!: typeof import("../../provider/baseline-wasm").withBaselineWasm;
  jest.isolateModules(() => {
    ({ withBaselineWasm } = require("../../provider/baseline-wasm"));
  });
  const during: string[] = [];
  await expect(
    withBaselineWasm(async () => {
      during.push(...flags);
      throw new Error("the first operation failed");
    }),
  ).rejects.toThrow("the first operation failed");
  expect(during).toEqual(["--liftoff-only"]);
  expect(flags).toEqual(["--liftoff-only", "--no-liftoff-only"]);
  await expect(withBaselineWasm(async () => "second")).resolves.toBe("second");
  expect(flags).toEqual(["--liftoff-only", "--no-liftoff-only"]);
});
