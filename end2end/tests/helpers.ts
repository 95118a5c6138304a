import { expect, Page } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../constants";

/** Signs in through the real form and waits for the library. */
export async function signIn(page: Page) {
  await page.goto("/login");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/library$/);
}

/**
 * Drops image files made in the page (a canvas drawn with noise, encoded by the browser as
 * PNG) onto the drop zone, as a desktop drag and drop would. With a `seed`, the noise is drawn
 * from it alone: the same seed gives the same bytes.
 */
export async function dropGeneratedImages(page: Page, names: string[], seed?: number) {
  await page.evaluate(async ({ names, seed }) => {
    const transfer = new DataTransfer();
    for (const [i, name] of names.entries()) {
      const canvas = document.createElement("canvas");
      canvas.width = 800;
      canvas.height = 600;
      const ctx = canvas.getContext("2d")!;
      const image = ctx.createImageData(canvas.width, canvas.height);
      for (let p = 0; p < image.data.length; p += 4) {
        image.data[p] = (p * (i + 3)) % 251;
        image.data[p + 1] = seed === undefined ? Math.floor(Math.random() * 255) : (p * 13 + seed * 3) % 241;
        image.data[p + 2] = (i * 80) % 255;
        image.data[p + 3] = 255;
      }
      ctx.putImageData(image, 0, 0);
      const blob: Blob = await new Promise((resolve) => canvas.toBlob((b) => resolve(b!), "image/png"));
      transfer.items.add(new File([blob], name, { type: "image/png" }));
    }
    const zone = document.querySelector("[data-testid=dropzone]")!;
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, { names, seed });
}
