import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { dropGeneratedImages, signIn } from "./helpers";

/** Serious and critical axe-core findings, one line each. */
async function seriousViolations(page: import("@playwright/test").Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test("the collection editor and the public gallery have no serious accessibility violations", async ({ page, browser }) => {
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const stamp = Date.now();
  const names = [`a11y-1-${stamp}.png`, `a11y-2-${stamp}.png`];
  await dropGeneratedImages(page, names);
  for (const name of names) {
    await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
      timeout: 20_000,
    });
  }
  const created = await page.request.post("/api/collections/create", { data: { title: `Accessible ${stamp}` } });
  const collection = await created.json();
  const list = await (await page.request.post("/api/media/list", { data: { query: { search: `a11y-` } } })).json();
  const ids = list.items.map((i: { media: { id: string } }) => i.media.id);
  await page.request.post("/api/collections/add", { data: { id: collection.id, media_ids: ids } });
  await page.request.post("/api/collections/publish", { data: { id: collection.id, published: true } });

  await page.goto(`/collections/${collection.id}`);
  await expect(page.locator(".order-row")).toHaveCount(2);
  expect(await seriousViolations(page)).toEqual([]);

  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visitor.goto(`/c/${collection.slug}`);
  await expect(visitor.locator(".gallery-item img")).toHaveCount(2);
  expect(await seriousViolations(visitor)).toEqual([]);
  await context.close();
});

test("the people, account and invitation pages have no serious accessibility violations, on a phone too", async ({ page, browser }) => {
  await signIn(page);
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto("/people");
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Email of the person to invite").fill(`a11y-${width}-${Date.now()}@example.test`);
    await page.getByRole("button", { name: "Create invitation link" }).click();
    const link = await page.getByLabel("Invitation link").inputValue();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `test-results/people-${width}.png`, fullPage: true });

    await page.goto("/account");
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Token name").fill(`a11y ${width}`);
    await page.getByRole("button", { name: "Create token" }).click();
    await expect(page.getByLabel("New API token")).toHaveValue(/^vt_/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `test-results/account-${width}.png`, fullPage: true });

    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const invited = await context.newPage();
    await invited.goto(link);
    await expect(invited.getByRole("heading", { name: "Join Vitrine" })).toBeVisible();
    expect(await seriousViolations(invited)).toEqual([]);
    await invited.screenshot({ path: `test-results/invite-${width}.png`, fullPage: true });
    await context.close();
  }
});

test("the library with a selection, the tags, duplicates and trash pages have no serious accessibility violations, on a phone too", async ({ page }) => {
  await signIn(page);
  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const name = `a11y-organize-${Date.now()}.png`;
  await dropGeneratedImages(page, [name]);
  await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
    timeout: 20_000,
  });
  const list = await (await page.request.post("/api/media/list", { data: { query: { search: name } } })).json();
  await page.request.post("/api/media/tag", { data: { ids: [list.items[0].media.id], add: ["accessible"], remove: [] } });
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto("/library");
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await page.locator(".media-tile").filter({ hasText: name }).focus();
    await page.keyboard.press(" ");
    await expect(page.getByRole("group", { name: "Edit the selection" })).toBeVisible();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("complementary", { name: "Details" }).getByRole("list", { name: "Tags" })).toContainText("accessible");
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `test-results/library-selection-${width}.png`, fullPage: true });
    for (const path of ["/tags", "/duplicates", "/trash"]) {
      await page.goto(path);
      await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
      expect(await seriousViolations(page)).toEqual([]);
    }
  }
});
