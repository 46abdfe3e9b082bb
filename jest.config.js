// Two projects: the fast suite (unit, SDK, emulator, provider) and the end-to-end suite that
// drives the real Pulumi engine. `npm test` runs both; `npm run test:fast` only the first.
const tsJest = ["ts-jest", { tsconfig: "tsconfig.test.json", isolatedModules: false }];

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: "<rootDir>/tests/support/build.js",
  projects: [
    {
      displayName: "fast",
      testEnvironment: "node",
      transform: { "^.+\\.ts$": tsJest },
      testMatch: ["<rootDir>/tests/**/*.test.ts"],
      testPathIgnorePatterns: ["<rootDir>/tests/e2e/"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform: { "^.+\\.ts$": tsJest },
      testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"],
      globalSetup: "<rootDir>/tests/support/provision.js",
    },
  ],
};
