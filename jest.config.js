// Three projects: `fast` (unit, SDK, emulator, provider, the dynamic-provider host in-process),
// `e2e` (small programs through the real Pulumi CLI) and `long` (the crash points, the full
// fault soak, the 429 storm, the PostgreSQL team run, two stacks under faults). `npm test` runs
// the first two, `npm run test:long` the third. Test files are transpiled only (tsconfig.test.json
// sets isolatedModules): `npm test` type-checks everything once, with `npm run typecheck`.
const tsJest = ["ts-jest", { tsconfig: "tsconfig.test.json" }];

const project = (displayName, options) => ({
  displayName,
  testEnvironment: "node",
  transform: { "^.+\\.ts$": tsJest },
  // The e2e projects' copies (each with a package.json naming this package) are not modules.
  modulePathIgnorePatterns: ["<rootDir>/.e2e/"],
  ...options,
});

// The Pulumi CLI is provisioned once, before any test starts, so a cold build (minutes) is not
// charged to one test's timeout.
const provision = "<rootDir>/tests/support/provision.js";

/** @type {import('jest').Config} */
module.exports = {
  // A test file spends much of its time waiting (on the CLI's processes, the emulator's latency,
  // a settle window): one file per core, not jest's default of one less (a single worker on two
  // cores). `npm run test:long` runs its files one at a time.
  maxWorkers: "100%",
  globalSetup: "<rootDir>/tests/support/build.js",
  projects: [
    project("fast", {
      testMatch: ["<rootDir>/tests/**/*.test.ts"],
      testPathIgnorePatterns: ["<rootDir>/tests/e2e/", "<rootDir>/tests/long/"],
    }),
    project("e2e", { testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"], globalSetup: provision }),
    project("long", { testMatch: ["<rootDir>/tests/long/**/*.test.ts"], globalSetup: provision }),
  ],
};
