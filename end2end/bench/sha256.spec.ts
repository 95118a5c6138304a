import { test } from "@playwright/test";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The uploader hashes a file in one of two ways, both timed here on the same 256 MiB file of
// random bytes on disk (median of five runs each):
// - before sending (files that go up in one PUT): the File read into one ArrayBuffer, then one
//   SubtleCrypto SHA-256 digest;
// - while sending (files that go up in parts): read in 4 MiB slices and hashed in Wasm, by the
//   very function the uploader calls (the release bundle's `sha256_streaming` export).
const site = path.resolve(__dirname, "../../target/site");

test("SHA-256 in Chromium, as the uploader computes it", async ({ page }) => {
  // A real file on disk, picked through a file input as a user would: a File the page builds
  // from its own memory is a blob Chromium caps (reading ~500 MB of one fails).
  const size = 256 * 1024 * 1024;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vitrine-sha256-"));
  const random = path.join(dir, "random.bin");
  fs.writeFileSync(random, crypto.randomBytes(size));
  // A secure context (SubtleCrypto needs one) with nothing else on it but the app's Wasm.
  await page.route("http://localhost/**", (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === "/bench") {
      const body = '<!doctype html><title>bench</title><input type="file" aria-label="file">';
      return route.fulfill({ body, contentType: "text/html" });
    }
    const file = path.join(site, url.pathname);
    const type = file.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    return route.fulfill({ body: fs.readFileSync(file), contentType: type });
  });
  await page.goto("http://localhost/bench");
  await page.getByLabel("file").setInputFiles(random);
  const { subtle, streaming, same } = await page.evaluate(async () => {
    const file = (document.querySelector("input") as HTMLInputElement).files![0];
    const app: any = await import("/pkg/vitrine.js");
    await app.default({ module_or_path: "/pkg/vitrine.wasm" });
    const rate = (ms: number) => file.size / 1e6 / (ms / 1000);
    const subtle: number[] = [];
    const streaming: number[] = [];
    let subtleHex = "";
    let streamingHex = "";
    for (let run = 0; run < 5; run++) {
      let start = performance.now();
      const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
      subtle.push(rate(performance.now() - start));
      subtleHex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
      start = performance.now();
      streamingHex = await app.sha256_streaming(file);
      streaming.push(rate(performance.now() - start));
    }
    const sorted = (rates: number[]) => rates.sort((a, b) => a - b);
    const same = subtleHex === streamingHex ? true : [subtleHex, String(streamingHex)];
    return { subtle: sorted(subtle), streaming: sorted(streaming), same };
  });
  if (same !== true) throw new Error(`the streaming hash differs from SubtleCrypto's: ${JSON.stringify(same)}`);
  const line = (what: string, rates: number[]) => {
    const median = rates[Math.floor(rates.length / 2)];
    const verdict = median >= 300 ? "met" : "MISSED";
    return (
      `  SHA-256 of a 256 MiB file in Chromium, ${what}, median of 5: ${median.toFixed(0)} MB/s ` +
      `(runs ${rates.map((r) => r.toFixed(0)).join(", ")}; goal >= 300 MB/s: ${verdict})`
    );
  };
  console.log(line("before sending (read whole + SubtleCrypto)", subtle));
  console.log(line("while sending (4 MiB slices, Wasm sha2)", streaming));
  fs.rmSync(dir, { recursive: true, force: true });
});
