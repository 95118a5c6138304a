import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

/** Uploads generated images from the uploads page and waits until each is completed. */
async function uploaded(page: import("@playwright/test").Page, names: string[]) {
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await dropGeneratedImages(page, names);
  for (const name of names) {
    await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
      timeout: 20_000,
    });
  }
}

test("bulk edit by keyboard: tag a selection, filter by the tag, rename and merge it", async ({ page }) => {
  await signIn(page);
  const stamp = Date.now();
  const names = [`bulk-a-${stamp}.png`, `bulk-b-${stamp}.png`, `bulk-c-${stamp}.png`];
  await uploaded(page, names);
  const tag = `shore${stamp}`;

  await page.goto("/library");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const searched = page.waitForResponse((r) => r.url().endsWith("/api/media/list") && r.request().postData()!.includes(`${stamp}`));
  await page.getByRole("searchbox", { name: "Search" }).fill(`${stamp}`);
  await searched;
  const tiles = page.locator(".media-tile");
  await expect(tiles).toHaveCount(3);
  const tileOf = (name: string) => page.locator(".media-tile").filter({ hasText: name });

  // Select two tiles with the keyboard only.
  await tileOf(names[0]).focus();
  await page.keyboard.press(" ");
  await tileOf(names[1]).focus();
  await page.keyboard.press(" ");
  const bar = page.getByRole("group", { name: "Edit the selection" });
  await expect(bar).toContainText("2 selected");
  await bar.getByRole("combobox", { name: "Tags for the selection" }).focus();
  await page.keyboard.type(tag);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Tagged 2 items." })).toBeVisible();
  await bar.getByRole("textbox", { name: "Alt text for the selection" }).fill("Waves on sand");
  await bar.getByRole("button", { name: "Set alt text" }).press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Set the alt text of 2 items." })).toBeVisible();

  // The filter chip narrows the library to the tagged two.
  const filtered = page.waitForResponse((r) => r.url().endsWith("/api/media/list") && r.request().postData()!.includes(tag));
  const filter = page.getByRole("combobox", { name: "Filter by tag" });
  await filter.fill(tag);
  await filter.press("Enter");
  await filtered;
  await expect(page.getByRole("list", { name: "Tags filtered by" })).toContainText(tag);
  await expect(tiles).toHaveCount(2);
  await expect(tileOf(names[2])).toHaveCount(0);

  // The detail panel shows and edits the tags.
  await tileOf(names[0]).focus();
  await page.keyboard.press("Enter");
  const panel = page.getByRole("complementary", { name: "Details" });
  await expect(panel.getByRole("list", { name: "Tags" })).toContainText(tag);
  await panel.getByRole("combobox", { name: "Add tags (separate with commas)" }).fill(`Shroe${stamp}`);
  await panel.getByRole("combobox", { name: "Add tags (separate with commas)" }).press("Enter");
  await expect(panel.getByRole("list", { name: "Tags" })).toContainText(`Shroe${stamp}`);

  // The tags page merges the misspelt one into the right one.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tags" }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // A row by its chip (the other rows name every tag too, in their "merge into" lists).
  const rowOf = (name: string) =>
    page.locator(".tag-row").filter({ has: page.locator(".chip").getByText(name, { exact: true }) });
  const row = rowOf(`Shroe${stamp}`);
  await expect(row).toContainText("1 item");
  await row.getByRole("combobox", { name: `Merge Shroe${stamp} into` }).selectOption({ label: tag });
  await row.getByRole("button", { name: "Merge" }).click();
  await expect(page.getByRole("status")).toContainText(`now tags 2 items`);
  await expect(rowOf(`Shroe${stamp}`)).toHaveCount(0);
  const kept = rowOf(tag);
  await kept.getByRole("textbox", { name: `New name for ${tag}` }).fill(`Beach ${stamp}`);
  await kept.getByRole("button", { name: "Rename" }).click();
  await expect(page.getByRole("status")).toHaveText(`Renamed to “Beach ${stamp}”.`);
  await page.screenshot({ path: "test-results/tags-page.png", fullPage: true });
});

test("the duplicates page keeps one copy and the others go to the trash", async ({ page }) => {
  await signIn(page);
  const bytes = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
    "base64",
  );
  const stamp = Date.now();
  // Two copies of one content, through the API the uploader uses ("upload anyway" for the second).
  const { createHash } = await import("crypto");
  const sha256 = createHash("sha256").update(Buffer.concat([bytes, Buffer.from(`${stamp}`)])).digest("hex");
  const content = Buffer.concat([bytes, Buffer.from(`${stamp}`)]);
  const ids: string[] = [];
  for (const [i, anyway] of [false, true].entries()) {
    const started = await page.request.post("/api/uploads/start", {
      data: { files: [{ name: `twin-${i}-${stamp}.png`, size: content.length, content_type: "image/png", sha256, allow_duplicate: anyway }] },
    });
    const file = (await started.json()).files[0];
    const headers = Object.fromEntries(file.upload.headers);
    expect((await page.request.put(file.upload.url, { headers, data: content })).status()).toBe(200);
    const done = await page.request.post("/api/uploads/complete", { data: { file_id: file.file.id } });
    ids.push((await done.json()).file.media_id);
  }
  // A third time without "anyway": nothing to send.
  const third = await page.request.post("/api/uploads/start", {
    data: { files: [{ name: `twin-2-${stamp}.png`, size: content.length, content_type: "image/png", sha256 }] },
  });
  expect((await third.json()).files[0].duplicate_of).toBe(ids[0]);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Duplicates" }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const group = page.getByRole("region", { name: `twin-0-${stamp}.png: 2 copies` });
  await expect(group.locator(".duplicate-item")).toHaveCount(2);
  await group.getByRole("button", { name: `Keep twin-1-${stamp}.png, move the other copies to the trash` }).click();
  await expect(page.getByRole("status")).toContainText("1 other copy moved to the trash");
  await expect(group).toHaveCount(0);
  const trash = await (await page.request.post("/api/trash/list", { data: {} })).json();
  expect(trash.media.map((t: { item: { media: { id: string } } }) => t.item.media.id)).toContain(ids[0]);
});
