import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "../tests/helpers";

// The whole flow as a person on another machine sees it: sign in, upload (bytes straight to
// the store, on this same origin), and the image in the library. Every request stays on the
// origin the person opened: no 0.0.0.0, no loopback address, no http:// under https://.
test("signs in, uploads straight to the store and shows the image, all on the address people open", async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const elsewhere: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.protocol !== "blob:" && url.origin !== origin) elsewhere.push(request.url());
  });
  const mixed: string[] = [];
  page.on("console", (message) => {
    if (/mixed content/i.test(message.text())) mixed.push(message.text());
  });

  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const name = `hosted-${Date.now()}.png`;
  await dropGeneratedImages(page, [name]);
  await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
    timeout: 30_000,
  });

  await page.goto("/library");
  const tile = page.locator(".media-tile").filter({ hasText: name });
  await expect(tile).toHaveCount(1);
  const image = tile.locator("img");
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);

  expect(elsewhere).toEqual([]);
  expect(mixed).toEqual([]);
  const session = (await page.context().cookies()).find((c) => c.name === "vitrine_session");
  expect(session).toBeTruthy();
  expect(session!.secure).toBe(origin.startsWith("https:"));
});
