import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

test("find an upload by search, edit its alt text, keep it across a reload, then delete it", async ({ page }) => {
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const name = `findme-${Date.now()}.png`;
  await dropGeneratedImages(page, [name]);
  await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
    timeout: 20_000,
  });

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Library" }).click();
  const first = page.waitForResponse((r) => r.url().endsWith("/api/media/list") && r.request().postData()!.includes("findme"));
  await page.getByRole("searchbox", { name: "Search" }).fill(name.slice(0, 12));
  await first;
  const tile = page.locator(".media-tile").filter({ hasText: name });
  await expect(tile).toHaveCount(1);
  await expect(page.locator(".media-tile")).toHaveCount(1);
  // The thumbhash made in the browser shows as a placeholder behind the image.
  expect(await tile.locator("img").getAttribute("style")).toContain("data:image/png;base64,");

  await tile.click();
  const panel = page.getByRole("complementary", { name: "Details" });
  await expect(panel).toContainText("800 × 600");
  const alt = panel.getByLabel("Alt text");
  await alt.fill("Noise in three colours");
  await alt.blur();
  await expect(panel.getByRole("status")).toHaveText("Saved");

  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // The search applies after a pause in typing: wait for its answer.
  const searched = page.waitForResponse((r) => r.url().endsWith("/api/media/list") && r.request().postData()!.includes("three colours"));
  await page.getByRole("searchbox", { name: "Search" }).fill("three colours");
  await searched;
  const found = page.locator(".media-tile").filter({ hasText: name });
  await expect(found).toHaveCount(1);
  await expect(found.locator("img")).toHaveAttribute("alt", "Noise in three colours");
  await found.click();
  await expect(page.getByRole("complementary", { name: "Details" }).getByLabel("Alt text")).toHaveValue(
    "Noise in three colours",
  );

  // Select it (keyboard), move it to the trash, undo, move it again: it is gone after a reload too.
  await found.focus();
  await page.keyboard.press(" ");
  await expect(found).toHaveAttribute("aria-selected", "true");
  await page.getByRole("button", { name: "Move to trash" }).click();
  const status = page.getByRole("status").filter({ hasText: "Moved 1 item to the trash." });
  await expect(status).toBeVisible();
  await expect(page.locator(".media-tile").filter({ hasText: name })).toHaveCount(0);
  await status.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Restored 1 item." })).toBeVisible();
  await expect(page.locator(".media-tile").filter({ hasText: name })).toHaveCount(1);
  await found.focus();
  await page.keyboard.press(" ");
  await page.getByRole("button", { name: "Move to trash" }).click();
  await expect(page.locator(".media-tile").filter({ hasText: name })).toHaveCount(0);
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("searchbox", { name: "Search" }).fill(name.slice(0, 12));
  await expect(page.getByText("Nothing matches")).toBeVisible();
});
