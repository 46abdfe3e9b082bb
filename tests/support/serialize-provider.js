// Constructs an ApiToken under Pulumi mocks, as a program would, and prints the serialized
// provider (`__provider`) the engine would store. Run as:
//   node serialize-provider.js <module to require for ApiToken>
// with the working directory set to the program's directory.
// Resolve as the program would: from its own directory. (Not `require.resolve(x, { paths })`:
// inside this repo, a package with an `exports` map resolves its own name to the checkout first.)
const programRequire = require("node:module").createRequire(
  require("node:path").join(process.cwd(), "index.js"),
);
const fromProgram = (specifier) => programRequire(specifier);
const pulumi = fromProgram("@pulumi/pulumi");

let captured;
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      captured = args.inputs.__provider;
      return { id: "1", state: args.inputs };
    },
    call: () => ({}),
  },
  "project",
  "stack",
  false,
);

const { ApiToken } = fromProgram(process.argv[2]);
const token = new ApiToken("serialized", { scope: "write" });
token.urn.apply(() => {
  process.stdout.write(JSON.stringify({ provider: captured }));
});
