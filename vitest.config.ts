import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    setupFiles: ["tests/setup.ts"],
    // e2e files each start their own moto server; their suites walk simulated months of runs.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two files at a time: the machines the tests run on have two cores, and the fault matrix's three
    // files (each with its own moto) would otherwise run one after the other for most of the suite.
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
