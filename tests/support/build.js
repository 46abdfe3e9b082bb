// jest globalSetup: compile to dist/ once per run. Tests that run code the way Pulumi does
// (a separate Node process, the dynamic provider host, the engine) load the compiled JavaScript.
const { execFileSync } = require("node:child_process");
const path = require("node:path");

module.exports = async function buildDist() {
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], {
    cwd: root,
    stdio: "inherit",
  });
};
