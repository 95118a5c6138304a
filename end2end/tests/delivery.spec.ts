import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { signIn } from "./helpers";

/**
 * A test pattern photo as JPEG (ffmpeg, with noise seeded by `stamp` so every test's files are
 * new content, not copies the library already holds), then as HEIC and AVIF (libheif's
 * heif-enc) and an RGB TIFF as scanners write them.
 */
function photos(stamp: number): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vitrine-formats-"));
  const jpeg = path.join(dir, "source.jpg");
  const noise = `noise=alls=40:allf=u:all_seed=${stamp % 1_000_000}`;
  execFileSync("ffmpeg", [
    "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=1600x1200", "-vf", noise, "-frames:v", "1", jpeg,
  ]);
  const heic = path.join(dir, `iphone-${stamp}.heic`);
  const avif = path.join(dir, `web-${stamp}.avif`);
  const tiff = path.join(dir, `scan-${stamp}.tiff`);
  execFileSync("heif-enc", ["-q", "80", jpeg, "-o", heic]);
  execFileSync("heif-enc", ["-A", "-q", "60", jpeg, "-o", avif]);
  execFileSync("ffmpeg", ["-loglevel", "error", "-i", jpeg, "-pix_fmt", "rgb24", tiff]);
  return [heic, avif, tiff];
}

test("an iPhone HEIC, an AVIF and a TIFF display: every srcset candidate loads in Chromium", async ({ page }) => {
  test.setTimeout(120_000);
  const stamp = Date.now();
  const files = photos(stamp);
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator("[data-testid=dropzone] input[type=file]").setInputFiles(files);
  for (const file of files) {
    await expect(page.locator(".upload-item").filter({ hasText: path.basename(file) })).toHaveAttribute(
      "data-phase",
      "completed",
      { timeout: 40_000 },
    );
  }
  for (const file of files) {
    const name = path.basename(file);
    const found = await (await page.request.post("/api/media/list", { data: { query: { search: name } } })).json();
    const item = found.items[0];
    expect(item.media.original_filename).toBe(name);
    expect([item.media.width, item.media.height]).toEqual([1600, 1200]);
    expect(item.media.display_key).toContain(".display.jpg");
    expect(item.placeholder).toContain("data:image/png;base64,");
    const candidates: string[] = item.srcset.split(", ").map((entry: string) => entry.split(" ")[0]);
    expect(candidates.length).toBeGreaterThan(3);
    // Each candidate as the browser itself loads it: decoded, and as wide as its descriptor says.
    const widths = await page.evaluate(async (urls) => {
      return Promise.all(
        urls.map(
          (url) =>
            new Promise<number>((resolve) => {
              const img = new Image();
              img.onload = () => resolve(img.naturalWidth);
              img.onerror = () => resolve(0);
              img.src = url;
            }),
        ),
      );
    }, candidates);
    const expected = item.srcset.split(", ").map((entry: string) => parseInt(entry.split(" ")[1], 10));
    expect(widths, name).toEqual(expected);
  }

  // In the library the tile's picture loads (not a broken image).
  await page.goto("/library");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const tile = page.locator(".media-tile").filter({ hasText: path.basename(files[0]) });
  await expect.poll(() => tile.locator("img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
});

test("an editor sets a focal point by click and arrow keys, and the previews follow", async ({ page }) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  const [heic] = photos(stamp);
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator("[data-testid=dropzone] input[type=file]").setInputFiles(heic);
  await expect(page.locator(".upload-item").filter({ hasText: path.basename(heic) })).toHaveAttribute(
    "data-phase",
    "completed",
    { timeout: 40_000 },
  );
  await page.goto("/library");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator(".media-tile").filter({ hasText: path.basename(heic) }).click();
  const panel = page.getByRole("complementary", { name: "Details" });
  const picker = panel.getByRole("group", { name: /Focal point/ });
  await expect(picker).toHaveAttribute("aria-label", "Focal point: 50% across, 50% down.");
  const image = picker.locator("img");
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  const box = (await image.boundingBox())!;
  const saved = page.waitForResponse((r) => r.url().endsWith("/api/media/focus") && r.status() === 200);
  await image.click({ position: { x: box.width * 0.8, y: box.height * 0.25 } });
  await saved;
  await expect(picker).toHaveAttribute("aria-label", "Focal point: 80% across, 25% down.");
  // Arrow keys: Shift+Left moves ten steps of 1 %.
  await picker.focus();
  const moved = page.waitForResponse((r) => r.url().endsWith("/api/media/focus") && r.status() === 200);
  await page.keyboard.press("Shift+ArrowLeft");
  await moved;
  await expect(picker).toHaveAttribute("aria-label", "Focal point: 70% across, 25% down.");
  // The square preview shows the window a 1:1 crop takes around the point: 4:3, so the window
  // is 1200 wide and starts at 0.7 × 1600 − 600 = 520 of 400 room → kept inside: 100 %.
  const square = panel.locator(".focus-previews figure").nth(1).locator("img");
  await expect(square).toHaveAttribute("style", /object-position: 100\.00% 50\.00%/);
  const stored = await (await page.request.post("/api/media/list", { data: { query: { search: path.basename(heic) } } })).json();
  // Where the click landed, to the pixel.
  expect(stored.items[0].media.focus.x).toBeCloseTo(0.7, 2);
  expect(stored.items[0].media.focus.y).toBeCloseTo(0.25, 2);
  // The tile in the grid follows at once, without listing the library again.
  const tile = page.locator(".media-tile").filter({ hasText: path.basename(heic) });
  await expect(tile.locator("img")).toHaveAttribute("style", /object-position: 70\.\d\d% 2[45]\.\d\d%/);
  // So does its name, when a title is saved (on leaving the field).
  const title = `Harbour ${stamp}`;
  await panel.getByLabel("Title").fill(title);
  const titled = page.waitForResponse((r) => r.url().endsWith("/api/media/update") && r.status() === 200);
  await panel.getByLabel("Alt text").focus();
  await titled;
  await expect(page.locator(".media-tile").filter({ hasText: title })).toHaveCount(1);
  // A later listing wins over what the panel saved: alt text set from the bulk bar shows once
  // the library is listed again (here by a search), not the panel's older copy.
  await page.locator(".media-tile").filter({ hasText: title }).locator(".tile-check").click();
  const alt = `A harbour at dusk ${stamp}`;
  await page.getByLabel("Alt text for the selection").fill(alt);
  await page.getByRole("button", { name: "Set alt text" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Set the alt text of 1 item." })).toBeVisible();
  const listed = page.waitForResponse((r) => r.url().endsWith("/api/media/list") && r.status() === 200);
  await page.getByRole("searchbox", { name: "Search" }).fill(title);
  await listed;
  await expect(page.locator(".media-tile").filter({ hasText: title }).locator("img")).toHaveAttribute("alt", alt);
  // And a fresh listing agrees with what the tile shows.
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator(".media-tile").filter({ hasText: title }).locator("img")).toHaveAttribute(
    "style",
    /object-position: 70\.\d\d% 2[45]\.\d\d%/,
  );
  await page.locator(".media-tile").filter({ hasText: title }).click();
  await expect(panel.getByRole("group", { name: /Focal point/ })).toBeVisible();
  const results = await new AxeBuilder({ page }).include(".detail").analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious, JSON.stringify(serious, null, 2)).toEqual([]);
});

test("the editor's Download all gives a ZIP of the originals", async ({ page }) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  const files = photos(stamp);
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator("[data-testid=dropzone] input[type=file]").setInputFiles(files);
  const ids: string[] = [];
  for (const file of files) {
    await expect(page.locator(".upload-item").filter({ hasText: path.basename(file) })).toHaveAttribute(
      "data-phase",
      "completed",
      { timeout: 40_000 },
    );
    const found = await (await page.request.post("/api/media/list", { data: { query: { search: path.basename(file) } } })).json();
    ids.push(found.items[0].media.id);
  }
  const created = await (await page.request.post("/api/collections/create", { data: { title: `Zip ${stamp}` } })).json();
  await page.request.post("/api/collections/add", { data: { id: created.id, media_ids: ids } });
  await page.goto(`/collections/${created.id}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download all (ZIP)" }).click();
  const saved = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vitrine-zip-")), "all.zip");
  await (await download).saveAs(saved);
  expect((await download).suggestedFilename()).toBe(`${created.slug}.zip`);
  const listing = execFileSync("unzip", ["-l", saved]).toString();
  for (const file of files) {
    expect(listing).toContain(path.basename(file));
  }
  execFileSync("unzip", ["-t", saved]);
  // The archive holds the originals byte for byte.
  const heic = execFileSync("unzip", ["-p", saved, path.basename(files[0])], { maxBuffer: 64 * 1024 * 1024 });
  expect(Buffer.compare(heic, fs.readFileSync(files[0]))).toBe(0);
});
