// jest globalSetup of the e2e project: make sure a Pulumi CLI exists before any test starts,
// so a cold build (minutes, with progress on stderr) is not charged to one test's timeout.
const { execFileSync } = require("node:child_process");
const path = require("node:path");

module.exports = async function provisionPulumi() {
  const script = path.resolve(__dirname, "../../scripts/provision-pulumi.sh");
  execFileSync("bash", [script], { stdio: ["ignore", "ignore", "inherit"] });
};
