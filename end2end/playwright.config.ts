import { defineConfig } from "@playwright/test";
import { launchOptions } from "./chromium";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "./constants";

// The server is the real binary built by `cargo leptos build`, started here on its own port
// with a throwaway data directory: SQLite and the embedded store, exactly as `make run` has them.
// E2E_DATABASE_URL (an empty PostgreSQL database, as `make test-e2e` makes) runs the same suite
// on PostgreSQL instead; E2E_CDN_TOKEN_KEY signs every delivery URL (the local origin then
// refuses unsigned ones).
const port = Number(process.env.E2E_PORT ?? 3210);
const baseURL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${port}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "vitrine-e2e-"));
const root = path.resolve(__dirname, "..");

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions,
  },
  webServer: process.env.E2E_BASE_URL
    ? undefined
    : {
        command: `${root}/target/debug/vitrine`,
        cwd: root,
        url: `${baseURL}/healthz`,
        reuseExistingServer: false,
        timeout: 60_000,
        stdout: "pipe",
        stderr: "pipe",
        env: {
          LEPTOS_OUTPUT_NAME: "vitrine",
          LEPTOS_SITE_ROOT: "target/site",
          LEPTOS_SITE_PKG_DIR: "pkg",
          LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
          LEPTOS_ENV: "PROD",
          VITRINE_DATA_DIR: dataDir,
          VITRINE_STORE_ADDR: "127.0.0.1:0",
          VITRINE_ADMIN_EMAIL: ADMIN_EMAIL,
          VITRINE_ADMIN_PASSWORD: ADMIN_PASSWORD,
          RUST_LOG: "warn",
          ...(process.env.E2E_DATABASE_URL ? { VITRINE_DATABASE_URL: process.env.E2E_DATABASE_URL } : {}),
          ...(process.env.E2E_CDN_TOKEN_KEY ? { VITRINE_CDN_TOKEN_KEY: process.env.E2E_CDN_TOKEN_KEY } : {}),
        },
      },
});
