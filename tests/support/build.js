// jest globalSetup: compile to dist/ once per run, and pack it once. Tests that run code the way
// Pulumi does (a separate Node process, the dynamic provider host, the engine) load the compiled
// JavaScript; the end-to-end projects all install the one tarball packed here (scripts/pack.ts).
const { execFileSync } = require("node:child_process");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const path = require("node:path");

module.exports = async function buildAndPack() {
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], {
    cwd: root,
    stdio: "inherit",
  });
  // Packed by the build's own scripts/pack.ts into a folder of this run's (so runs side by side
  // do not share one), removed when jest exits. The workers inherit the variable, set before
  // they start.
  const { pack, PACKED_TARBALL_ENV } = require(path.join(root, "dist", "scripts", "pack.js"));
  const destination = mkdtempSync(path.join(tmpdir(), "utho-packed-"));
  process.once("exit", () => rmSync(destination, { recursive: true, force: true }));
  process.env[PACKED_TARBALL_ENV] = pack(destination).tarball;
};
