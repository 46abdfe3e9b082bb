/**
 * The plugin's schema describes the same resource as the dynamic `ApiToken`: the same inputs,
 * the same outputs, the same secrets, and every property described for the SDKs generated from it.
 */
import { API_TOKEN_TOKEN, pluginSchema } from "../../provider/plugin/schema";
import { declared } from "../support/declared";

const schema = pluginSchema("1.2.3");
const resource = schema.resources[API_TOKEN_TOKEN];
type Property = { description?: string; secret?: boolean };

it("has the dynamic ApiToken's inputs and outputs", () => {
  const { inputs, outputs } = declared();
  expect(Object.keys(resource.inputProperties).sort()).toEqual([...inputs].sort());
  // The outputs carry the inputs but `adopt`, whose secret stays an input.
  const carried = inputs.filter((input) => input !== "adopt");
  expect(Object.keys(resource.properties).sort()).toEqual([...new Set([...outputs, ...carried])].sort());
});

it("marks the secrets secret: the tokens, a supplied adopt secret, every API key", () => {
  const secrets = (properties: Record<string, Property>) =>
    Object.keys(properties).filter((key) => properties[key]?.secret);
  expect(secrets(resource.properties).sort()).toEqual(["connection", "previousToken", "token"]);
  expect(secrets(schema.types["utho:index:AdoptArgs"].properties)).toEqual(["token"]);
  expect(secrets(schema.types["utho:index:ConnectionArgs"].properties)).toEqual(["apiKey"]);
  expect(secrets(schema.provider.inputProperties)).toEqual(["apiKey"]);
  expect(secrets(schema.config.variables)).toEqual(["apiKey"]);
});

it("describes every property, and carries the package's version", () => {
  const groups: Record<string, Property>[] = [
    resource.inputProperties,
    resource.properties,
    schema.provider.inputProperties,
    ...Object.values(schema.types).map((type) => type.properties as Record<string, Property>),
  ];
  for (const properties of groups)
    for (const [key, property] of Object.entries(properties))
      expect([key, property.description]).toEqual([key, expect.any(String)]);
  expect(schema.version).toBe("1.2.3");
});
