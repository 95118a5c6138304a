import { expect, test } from "@playwright/test";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { signIn } from "./helpers";

test("a video gets a poster frame made in the browser, and plays and seeks in a published gallery", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  // A 3-second test pattern made by Debian's ffmpeg (VP8 in WebM plays in Chromium everywhere).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vitrine-video-"));
  const name = `clip-${Date.now()}.webm`;
  const file = path.join(dir, name);
  execFileSync("ffmpeg", [
    "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=3:size=640x360:rate=25",
    "-c:v", "libvpx", "-b:v", "400k", "-pix_fmt", "yuv420p", file,
  ]);

  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator("[data-testid=dropzone] input[type=file]").setInputFiles(file);
  await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
    timeout: 30_000,
  });

  // The library shows the poster, and the media record has the video's size and length.
  const found = await (await page.request.post("/api/media/list", { data: { query: { search: name } } })).json();
  const item = found.items[0];
  expect(item.media.width).toBe(640);
  expect(item.media.height).toBe(360);
  expect(item.media.duration_ms).toBeGreaterThan(2500);
  expect(item.poster).toContain(".poster.jpg");
  const poster = await page.request.get(item.poster);
  expect(poster.status()).toBe(200);
  expect(poster.headers()["content-type"]).toMatch(/^image\//);
  await page.goto("/library");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator(`.media-tile[data-media-id="${item.media.id}"] video`)).toHaveAttribute("poster", item.poster);

  // Published in a gallery: the poster shows, it plays, and seeking works (Range requests).
  const created = await (await page.request.post("/api/collections/create", { data: { title: `Clips ${Date.now()}` } })).json();
  await page.request.post("/api/collections/add", { data: { id: created.id, media_ids: [item.media.id] } });
  await page.request.post("/api/collections/publish", { data: { id: created.id, published: true } });
  const visitor = await browser.newContext();
  const gallery = await visitor.newPage();
  await gallery.goto(`/c/${created.slug}`);
  const video = gallery.locator(".gallery-item video");
  // The same poster; with signed delivery URLs (E2E_CDN_TOKEN_KEY) a public page's signature
  // and expiry differ from the library's, so those two parameters are left out.
  const unsigned = (url: string) => {
    const u = new URL(url, "http://x");
    u.searchParams.delete("token");
    u.searchParams.delete("expires");
    return u.toString();
  };
  await expect.poll(async () => unsigned((await video.getAttribute("poster")) ?? "")).toBe(unsigned(item.poster));
  expect((await gallery.request.get((await video.getAttribute("poster"))!)).status()).toBe(200);
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.3);
  const seeked = await video.evaluate(
    (v: HTMLVideoElement) =>
      new Promise<number>((resolve) => {
        v.pause();
        v.addEventListener("seeked", () => resolve(v.currentTime), { once: true });
        v.currentTime = 2.2;
      }),
  );
  expect(seeked).toBeGreaterThan(2.0);
  await visitor.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
