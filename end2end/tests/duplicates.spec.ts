import { expect, Page, test } from "@playwright/test";
import { signIn } from "./helpers";

/** Drops one PNG drawn from `seed` alone: the same seed gives the same bytes. */
async function dropDrawnImage(page: Page, name: string, seed: number) {
  await page.evaluate(
    async ({ name, seed }) => {
      const canvas = document.createElement("canvas");
      canvas.width = 320;
      canvas.height = 200;
      const ctx = canvas.getContext("2d")!;
      const image = ctx.createImageData(canvas.width, canvas.height);
      for (let p = 0; p < image.data.length; p += 4) {
        image.data[p] = (p * 7 + seed) % 251;
        image.data[p + 1] = (p * 13 + seed * 3) % 241;
        image.data[p + 2] = seed % 255;
        image.data[p + 3] = 255;
      }
      ctx.putImageData(image, 0, 0);
      const blob: Blob = await new Promise((resolve) => canvas.toBlob((b) => resolve(b!), "image/png"));
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], name, { type: "image/png" }));
      const zone = document.querySelector("[data-testid=dropzone]")!;
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { name, seed },
  );
}

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

  await dropDrawnImage(page, `first-${stamp}.png`, seed);
  await expect(rows.filter({ hasText: `first-${stamp}.png` })).toHaveAttribute("data-phase", "completed", { timeout: 20_000 });
  expect(putsToStore).toBe(1);

  // The same content under another name: hashed in the browser, answered as held, never sent.
  await dropDrawnImage(page, `again-${stamp}.png`, seed);
  const again = rows.filter({ hasText: `again-${stamp}.png` });
  await expect(again).toHaveAttribute("data-phase", "duplicate", { timeout: 20_000 });
  await expect(again).toContainText("Already in your library");
  await expect(again).toContainText("not sent");
  expect(putsToStore).toBe(0 + 1);
  const held = await again.getByRole("link", { name: "show it" }).getAttribute("href");

  // Different content is sent as usual.
  await dropDrawnImage(page, `other-${stamp}.png`, seed + 1);
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
