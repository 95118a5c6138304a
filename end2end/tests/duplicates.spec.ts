import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

test("a file already in the library is not sent again, unless the user says upload anyway", async ({ page }) => {
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  let putsToStore = 0;
  page.on("request", (request) => {
    if (request.method() === "PUT" && new URL(request.url()).pathname.startsWith("/vitrine/")) putsToStore += 1;
  });
  const stamp = Date.now();
  const seed = stamp % 997;
  const rows = page.locator(".upload-item");

  await dropGeneratedImages(page, [`first-${stamp}.png`], seed);
  await expect(rows.filter({ hasText: `first-${stamp}.png` })).toHaveAttribute("data-phase", "completed", { timeout: 20_000 });
  expect(putsToStore).toBe(1);

  // The same content under another name: hashed in the browser, answered as held, never sent.
  await dropGeneratedImages(page, [`again-${stamp}.png`], seed);
  const again = rows.filter({ hasText: `again-${stamp}.png` });
  await expect(again).toHaveAttribute("data-phase", "duplicate", { timeout: 20_000 });
  await expect(again).toContainText("Already in your library");
  await expect(again).toContainText("not sent");
  expect(putsToStore).toBe(1);
  const held = await again.getByRole("link", { name: "show it" }).getAttribute("href");

  // Different content is sent as usual.
  await dropGeneratedImages(page, [`other-${stamp}.png`], seed + 1);
  await expect(rows.filter({ hasText: `other-${stamp}.png` })).toHaveAttribute("data-phase", "completed", { timeout: 20_000 });
  expect(putsToStore).toBe(2);

  // "Upload anyway" sends the second copy.
  await again.getByRole("button", { name: "Upload anyway" }).click();
  await expect(rows.filter({ hasText: `again-${stamp}.png` })).toHaveAttribute("data-phase", "completed", { timeout: 20_000 });
  expect(putsToStore).toBe(3);

  // The link opens the item that already held the content.
  await page.goto(held!);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("complementary", { name: "Details" })).toContainText(`first-${stamp}.png`);
});
