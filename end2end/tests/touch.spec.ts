import { expect, Page, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

/** A collection holding freshly uploaded images, sent straight into it from the upload page. */
async function collectionWithImages(page: Page, title: string, names: string[]) {
  const created = await page.request.post("/api/collections/create", { data: { title } });
  expect(created.status()).toBe(200);
  const collection = await created.json();
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Add the uploads to").selectOption({ label: title });
  await dropGeneratedImages(page, names);
  for (const name of names) {
    await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
      timeout: 20_000,
    });
  }
  return collection;
}

test("a finger drags an item by its handle, and the cover can be chosen", async ({ page }) => {
  // The whole signed-in flow runs under the Content-Security-Policy: no violation is reported.
  const violations: string[] = [];
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) violations.push(m.text());
  });
  page.on("pageerror", (e) => violations.push(String(e)));
  await signIn(page);
  const stamp = Date.now();
  const names = [1, 2, 3].map((n) => `t${n}-${stamp}.png`);
  const collection = await collectionWithImages(page, `Touch ${stamp}`, names);

  await page.goto(`/collections/${collection.id}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const rows = page.locator(".order-row");
  await expect(rows).toHaveCount(3);
  const order = () => rows.locator(".name").allTextContents();
  const initial = await order();

  // A touch drag: down on the last row's handle, move over the first row, lift.
  const handle = rows.nth(2).locator(".drag-handle");
  const from = (await handle.boundingBox())!;
  const to = (await rows.nth(0).boundingBox())!;
  const touch = { pointerType: "touch", pointerId: 7, isPrimary: true, bubbles: true };
  await handle.dispatchEvent("pointerdown", { ...touch, clientX: from.x + 4, clientY: from.y + 4 });
  await handle.dispatchEvent("pointermove", { ...touch, clientX: to.x + to.width / 2, clientY: to.y + to.height / 2 });
  await expect(rows.nth(0)).toHaveClass(/drop-target/);
  await handle.dispatchEvent("pointerup", { ...touch, clientX: to.x + to.width / 2, clientY: to.y + to.height / 2 });
  const expected = [initial[2], initial[0], initial[1]];
  await expect.poll(order).toEqual(expected);
  await expect(page.locator("[aria-live=polite]")).toContainText("position 1 of 3");

  // The cover: the first image by default, then the one chosen.
  await expect(rows.nth(0).getByRole("button", { name: "Cover" })).toHaveAttribute("aria-pressed", "true");
  await rows.nth(2).getByRole("button", { name: "Cover" }).click();
  await expect(rows.nth(2).getByRole("button", { name: "Cover" })).toHaveAttribute("aria-pressed", "true");
  await expect(rows.nth(0).getByRole("button", { name: "Cover" })).toHaveAttribute("aria-pressed", "false");

  // Both survive a reload.
  await page.waitForLoadState("networkidle");
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect.poll(order).toEqual(expected);
  await expect(rows.nth(2).getByRole("button", { name: "Cover" })).toHaveAttribute("aria-pressed", "true");
  const got = await (await page.request.post("/api/collections/get", { data: { id: collection.id } })).json();
  expect(got.collection.cover_media_id).toBe(got.items[2].media.id);
  expect(violations).toEqual([]);
});

test("the public gallery loads no Wasm, and its lightbox takes arrow keys and Escape", async ({ page, browser }) => {
  await signIn(page);
  const stamp = Date.now();
  const names = [1, 2, 3].map((n) => `k${n}-${stamp}.png`);
  const collection = await collectionWithImages(page, `Keys ${stamp}`, names);
  const published = await page.request.post("/api/collections/publish", { data: { id: collection.id, published: true } });
  expect(published.status()).toBe(200);
  const got = await (await page.request.post("/api/collections/get", { data: { id: collection.id } })).json();
  const ids: string[] = got.items.map((i: { media: { id: string } }) => `m-${i.media.id}`);

  const visitor = await browser.newContext();
  const gallery = await visitor.newPage();
  const violations: string[] = [];
  gallery.on("console", (m) => {
    if (m.type() === "error") violations.push(m.text());
  });
  const scripts: string[] = [];
  gallery.on("request", (r) => {
    if (["script", "fetch", "xhr"].includes(r.resourceType()) || r.url().endsWith(".wasm")) scripts.push(r.url());
  });
  await gallery.goto(`/c/${collection.slug}`);
  await gallery.waitForLoadState("networkidle");
  expect(scripts.map((u) => new URL(u).pathname)).toEqual(["/gallery.js"]);

  await gallery.locator(".gallery-item a").first().click();
  await expect(gallery).toHaveURL(new RegExp(`#${ids[0]}$`));
  await expect(gallery.locator(`#${ids[0]} .lb-close`)).toBeFocused();
  await gallery.keyboard.press("ArrowRight");
  await expect(gallery).toHaveURL(new RegExp(`#${ids[1]}$`));
  await expect(gallery.locator(".lightbox:target")).toHaveId(ids[1]);
  await gallery.keyboard.press("ArrowLeft");
  await expect(gallery).toHaveURL(new RegExp(`#${ids[0]}$`));
  await gallery.keyboard.press("Escape");
  await expect(gallery).toHaveURL(/#gallery$/);
  await expect(gallery.locator(".lightbox:target")).toHaveCount(0);
  expect(violations).toEqual([]);
  await visitor.close();
});
