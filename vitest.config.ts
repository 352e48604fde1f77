import { defineConfig } from "vitest/config";

// Every project puts its temp files under one folder per run, removed at the end.
const globalSetup = ["test/support/global-tmp.ts"];

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], globalSetup } },
      { test: { name: "conformance", include: ["test/conformance/**/*.test.ts"], globalSetup } },
      { test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], testTimeout: 60_000, globalSetup } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 120_000,
          globalSetup,
        },
      },
    ],
  },
});
