/**
 * What the `ApiToken` class registers, under Pulumi's mocks: a property it does not declare goes
 * to the provider (whose `check` refuses it by name) instead of being dropped, and a preview
 * marks a resource without a name so that `check` leaves its auto-name unknown. Its own file:
 * the mocks are process-wide.
 */
import * as pulumi from "@pulumi/pulumi";
import { ApiToken, type ApiTokenArgs } from "../../provider/api-token";
import { checkInputs } from "../../provider/check";

let registered: pulumi.runtime.MockResourceArgs[];

function mock(dryRun: boolean): void {
  registered = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args);
        return { id: String(registered.length), state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "project",
    "test",
    dryRun,
  );
}

/** The inputs of the one resource `register` creates, once it reached the mocks. */
async function inputsOf(register: () => void): Promise<Record<string, unknown>> {
  register();
  await pulumi.runtime.disconnect();
  expect(registered).toHaveLength(1);
  return registered[0]?.inputs as Record<string, unknown>;
}

it("passes a property it does not declare to check, which refuses it with the documented message", async () => {
  mock(false);
  // `scopes` from JavaScript, or a spread object: TypeScript would catch the literal.
  const fromJavaScript = { scope: "read", scopes: "write" } as ApiTokenArgs;
  const inputs = await inputsOf(() => new ApiToken("typo", fromJavaScript));
  expect(inputs).toMatchObject({ scope: "read", scopes: "write", namePrefix: "typo" });
  expect(checkInputs({}, inputs).failures).toEqual([
    {
      property: "scopes",
      reason: expect.stringMatching(/^unknown property "scopes": ApiToken accepts name, scope, /),
    },
  ]);
});

it.each([
  [true, undefined, true],
  // A name output may still resolve to nothing: check reads `previewing` only without a name.
  [true, "ci", true],
  [false, undefined, undefined],
  [false, "ci", undefined],
])("at preview %s with name %s, marks previewing %s", async (dryRun, name, previewing) => {
  mock(dryRun);
  const inputs = await inputsOf(() => new ApiToken("marked", name === undefined ? {} : { name }));
  expect(inputs.previewing).toBe(previewing);
});

it("passes on a property named like an output (token meant as adopt.token) for check to refuse", async () => {
  mock(false);
  const inputs = await inputsOf(() => new ApiToken("typo", { name: "ci", token: "x" } as ApiTokenArgs));
  expect(inputs.token).toBe("x");
  expect(checkInputs({}, inputs).failures?.[0]?.property).toBe("token");
});
