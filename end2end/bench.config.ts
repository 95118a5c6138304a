import { defineConfig } from "@playwright/test";
import { launchOptions } from "./chromium";

// `make bench`: figures measured in Chromium itself (no server needed), printed beside their goals.
export default defineConfig({
  testDir: "./bench",
  timeout: 120_000,
  workers: 1,
  reporter: [["list"]],
  use: { launchOptions },
});
