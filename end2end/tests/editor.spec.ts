import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

test("uploads can go straight into a collection, and a collection can be renamed", async ({ page }) => {
  await signIn(page);
  const stamp = Date.now();
  const created = await page.request.post("/api/collections/create", { data: { title: `Straight In ${stamp}` } });
  const collection = await created.json();

  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Add the uploads to").selectOption({ label: `Straight In ${stamp}` });
  const name = `direct-${stamp}.png`;
  await dropGeneratedImages(page, [name]);
  await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
    timeout: 20_000,
  });

  await page.goto(`/collections/${collection.id}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator(".order-row")).toHaveCount(1);
  await expect(page.locator(".order-row .name")).toHaveText(name);

  await page.getByLabel("Title").fill(`Renamed ${stamp}`);
  await expect(page.getByText("Keep the current link")).toBeVisible();
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Renamed ${stamp}`);
  const got = await (await page.request.post("/api/collections/get", { data: { id: collection.id } })).json();
  expect(got.collection.slug).toBe(`renamed-${stamp}`);
});
