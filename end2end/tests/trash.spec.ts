import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../constants";

/** Uploads one generated image and moves it to the trash through the API the UI uses. */
async function trashedUpload(page: import("@playwright/test").Page, name: string): Promise<string> {
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await dropGeneratedImages(page, [name]);
  await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
    timeout: 20_000,
  });
  const list = await page.request.post("/api/media/list", { data: { query: { search: name } } });
  const id = (await list.json()).items[0].media.id;
  const deleted = await page.request.post("/api/media/delete", { data: { ids: [id] } });
  expect(deleted.status()).toBe(200);
  return id;
}

test("restore from the trash and delete forever, by keyboard, announced", async ({ page }) => {
  await signIn(page);
  const name = `trashme-${Date.now()}.png`;
  await trashedUpload(page, name);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trash" }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const row = page.locator(".trash-row").filter({ hasText: name });
  await expect(row).toContainText("deleted for good after");
  await row.getByRole("button", { name: `Restore ${name}` }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Restored. It is back where it was.");
  await expect(row).toHaveCount(0);
  const back = await page.request.post("/api/media/list", { data: { query: { search: name } } });
  expect((await back.json()).items).toHaveLength(1);

  // Delete forever asks first: the disclosure opens, then its button deletes.
  const id = (await back.json()).items[0].media.id;
  await page.request.post("/api/media/delete", { data: { ids: [id] } });
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await row.getByText("Delete forever…").focus();
  await page.keyboard.press("Enter");
  await row.getByRole("button", { name: `Delete “${name}” for good` }).click();
  await expect(page.getByRole("status")).toHaveText("Deleted for good.");
  await expect(row).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the trash page restores with a plain form post", async ({ page, browser }) => {
    const helper = await browser.newContext({ javaScriptEnabled: true });
    const uploader = await helper.newPage();
    await signIn(uploader);
    const name = `nojs-${Date.now()}.png`;
    await trashedUpload(uploader, name);
    await helper.close();

    await page.goto("/login");
    await page.getByLabel("Email").fill(ADMIN_EMAIL);
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByLabel("Password").press("Enter");
    await expect(page).toHaveURL(/\/library$/);
    await page.goto("/trash");
    const row = page.locator(".trash-row").filter({ hasText: name });
    await row.getByRole("button", { name: `Restore ${name}` }).click();
    await expect(page).toHaveURL(/\/trash\?done=restored$/);
    await expect(page.getByRole("status")).toHaveText("Restored. It is back where it was.");
    await expect(row).toHaveCount(0);
  });
});
