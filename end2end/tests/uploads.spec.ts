import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

test("dropped images go straight to storage, complete, and appear in the library", async ({ page }) => {
  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Uploads" }).click();
  await expect(page.getByRole("heading", { name: "Uploads", exact: true })).toBeVisible();

  const names = [`e2e-a-${Date.now()}.png`, `e2e-b-${Date.now()}.png`, `e2e-c-${Date.now()}.png`];
  // Record what the app's own endpoints receive: the image bytes must not be among it. (The
  // embedded store shares the app's origin under /vitrine/; that is where the bytes go.)
  let bytesToApp = 0;
  let putsToStore = 0;
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.port !== new URL(page.url()).port) return;
    if (url.pathname.startsWith("/vitrine/")) {
      if (request.method() === "PUT") putsToStore += 1;
    } else {
      bytesToApp += request.postDataBuffer()?.length ?? 0;
    }
  });
  await dropGeneratedImages(page, names);

  const rows = page.locator(".upload-item");
  await expect(rows).toHaveCount(3);
  for (const name of names) {
    const row = rows.filter({ hasText: name });
    await expect(row).toHaveAttribute("data-phase", "completed", { timeout: 20_000 });
    await expect(row.locator(".upload-bytes")).toContainText("(100%)");
    const bar = row.locator("progress");
    expect(await bar.getAttribute("value")).toBe(await bar.getAttribute("max"));
  }
  await expect(page.locator(".batch-line")).toContainText("(100%)");
  expect(bytesToApp).toBeLessThan(4096 * names.length);
  expect(putsToStore).toBe(names.length);

  // The job is on the list as completed, and stays there after a reload.
  const job = page.locator(".job").filter({ hasText: names[0] });
  await expect(job).toHaveAttribute("data-status", "completed");
  await expect(job).toContainText("3 of 3 completed");
  await page.reload();
  await expect(page.locator(".job").filter({ hasText: names[0] })).toHaveAttribute("data-status", "completed");

  // The three images are in the library and really load.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Library" }).click();
  for (const name of names) {
    const tile = page.locator(".media-tile").filter({ hasText: name });
    await expect(tile).toBeVisible();
    await expect
      .poll(() => tile.locator("img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0))
      .toBe(true);
    // Every srcset candidate loads and is an image of the width it is listed with; none upscaled.
    const candidates = await tile.locator("img").evaluate(async (img: HTMLImageElement) => {
      const entries = img.srcset.split(", ").map((entry) => entry.split(" "));
      return Promise.all(
        entries.map(
          ([url, w]) =>
            new Promise<[string, number]>((resolve) => {
              const probe = new Image();
              probe.onload = () => resolve([w, probe.naturalWidth]);
              probe.onerror = () => resolve([w, -1]);
              probe.src = url;
            }),
        ),
      );
    });
    expect(candidates.map(([w]) => w)).toEqual(["320w", "640w", "800w"]);
    for (const [listed, actual] of candidates) expect(`${actual}w`).toBe(listed);
    expect(await tile.locator("img").getAttribute("width")).toBe("800");
    expect(await tile.locator("img").getAttribute("height")).toBe("600");
  }
});

test("an upload cut off by going offline fails visibly and succeeds on retry", async ({ page, context }) => {
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

  // The first PUT to the store finds the browser offline.
  let cutOff = false;
  await page.route(/\/vitrine\/media\//, async (route) => {
    if (!cutOff && route.request().method() === "PUT") {
      cutOff = true;
      await context.setOffline(true);
      await route.abort("internetdisconnected");
    } else {
      await route.continue();
    }
  });

  const name = `e2e-offline-${Date.now()}.png`;
  await dropGeneratedImages(page, [name]);
  const row = page.locator(".upload-item").filter({ hasText: name });
  await expect(row).toHaveAttribute("data-phase", "failed");
  await expect(row).toContainText("network error");

  await context.setOffline(false);
  await row.getByRole("button", { name: "Retry" }).click();
  await expect(row).toHaveAttribute("data-phase", "completed", { timeout: 20_000 });
  const job = page.locator(".job").filter({ hasText: name });
  await expect(job).toHaveAttribute("data-status", "completed");
  await expect(job).toContainText("1 of 1 completed");
});
