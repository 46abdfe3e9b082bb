/**
 * The bench's engine floor (bench/programs/floor) must keep the shape of the program it is the
 * floor for: the outputs it declares are a copy of the ApiToken's, kept in step here.
 */
import { unresolvedOutputs } from "../../provider/outputs";

const floor = require("../../bench/programs/floor/outputs.js") as { unresolvedOutputs: () => object };

it("declares the same outputs as an ApiToken, in the same order", () => {
  // toStrictEqual: plain toEqual would let a missing key pass, every value being undefined.
  expect(floor.unresolvedOutputs()).toStrictEqual(unresolvedOutputs());
});
