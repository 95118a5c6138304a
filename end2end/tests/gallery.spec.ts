import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

test("order by keyboard and by dragging, publish, and the gallery works signed out without JavaScript", async ({
  page,
  browser,
}) => {
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const stamp = Date.now();
  const names = [1, 2, 3, 4, 5].map((n) => `g${n}-${stamp}.png`);
  await dropGeneratedImages(page, names);
  for (const name of names) {
    await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
      timeout: 20_000,
    });
  }

  // A collection with the five, in upload order (selected oldest first).
  await page.goto("/collections");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const title = `Gallery ${stamp}`;
  await page.getByLabel("New collection title").fill(title);
  await page.getByRole("button", { name: "Create collection" }).click();
  await expect(page.getByRole("status")).toContainText("Created");
  await page.goto("/library");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  for (const name of names) {
    await page.locator(".media-tile").filter({ hasText: name }).locator(".tile-check").click();
  }
  await page.getByLabel("Collection").selectOption({ label: title });
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Added 5 items");

  await page.goto("/collections");
  await page.getByRole("link", { name: title }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const rows = page.locator(".order-row");
  await expect(rows).toHaveCount(5);
  const order = async () => rows.locator(".name").allTextContents();
  const initial = await order();

  // Drag the last to first.
  await rows.nth(4).dragTo(rows.nth(0));
  await expect.poll(order).toEqual([initial[4], initial[0], initial[1], initial[2], initial[3]]);
  // Move the (new) second one down with the keyboard; the move is announced.
  await rows.nth(1).focus();
  await page.keyboard.press("ArrowDown");
  const expected = [initial[4], initial[1], initial[0], initial[2], initial[3]];
  await expect.poll(order).toEqual(expected);
  await expect(page.locator("[aria-live=polite]")).toContainText("to position 3 of 5");

  // Saved: a reload shows the same order.
  await page.waitForLoadState("networkidle");
  await page.reload();
  await expect(rows).toHaveCount(5);
  await expect.poll(order).toEqual(expected);

  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Publish" }).click();
  const link = page.locator(".public-link");
  await expect(link).toBeVisible();
  const path = (await link.getAttribute("href"))!;

  // A visitor with JavaScript off sees the five in that order, each a real image.
  const visitor = await browser.newContext({ javaScriptEnabled: false });
  const gallery = await visitor.newPage();
  const response = await gallery.goto(path);
  expect(response!.status()).toBe(200);
  await expect(gallery.getByRole("heading", { name: title })).toBeVisible();
  const images = gallery.locator(".gallery-item img");
  await expect(images).toHaveCount(5);
  const alts = await images.evaluateAll((els) => els.map((e) => (e as HTMLImageElement).alt));
  expect(alts).toEqual(expected);
  for (const img of await images.all()) {
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => e.complete && e.naturalWidth > 0)).toBe(true);
  }
  // The lightbox works without scripts too: a link to the item's fragment.
  await images.first().click();
  await expect(gallery.locator(".lightbox:target")).toBeVisible();

  // Unpublished: gone for the visitor.
  await page.getByRole("button", { name: "Unpublish" }).click();
  await expect(page.getByRole("button", { name: "Publish" })).toBeVisible();
  const after = await gallery.goto(path);
  expect(after!.status()).toBe(404);
  await visitor.close();
});
