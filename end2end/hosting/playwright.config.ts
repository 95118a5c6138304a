import { defineConfig } from "@playwright/test";
import { launchOptions } from "../chromium";

// Run by run.sh against a Vitrine it started (another host's view, or behind a TLS proxy):
// E2E_BASE_URL says where. The self-signed certificate of the proxy test is the test's own.
export default defineConfig({
  testDir: ".",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    ignoreHTTPSErrors: true,
    trace: "retain-on-failure",
    launchOptions,
  },
});
