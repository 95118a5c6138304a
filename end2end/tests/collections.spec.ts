import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

test("the same title twice gets two slugs, and library items can be added to a collection", async ({ page }) => {
  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Collections" }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  for (const _ of [1, 2]) {
    await page.getByLabel("New collection title").fill("Summer Camp 2024");
    await page.getByRole("button", { name: "Create collection" }).click();
    await expect(page.getByRole("status")).toContainText("Created");
  }
  await expect(page.locator('.collection-row[data-slug="summer-camp-2024"]')).toHaveCount(1);
  await expect(page.locator('.collection-row[data-slug="summer-camp-2024-2"]')).toHaveCount(1);

  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const names = [`camp-a-${Date.now()}.png`, `camp-b-${Date.now()}.png`];
  await dropGeneratedImages(page, names);
  for (const name of names) {
    await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
      timeout: 20_000,
    });
  }

  await page.goto("/library");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  for (const name of names) {
    await page.locator(".media-tile").filter({ hasText: name }).locator(".tile-check").click();
  }
  await page.getByLabel("Collection").selectOption({ label: "Summer Camp 2024" });
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Added 2 items");

  await page.goto("/collections");
  const row = page.locator(".collection-row").filter({ hasText: "summer-camp-2024" }).first();
  await expect(page.locator('.collection-row[data-slug="summer-camp-2024"]')).toContainText(/[0-9]+ items/);
  await expect(row).toBeVisible();
});
