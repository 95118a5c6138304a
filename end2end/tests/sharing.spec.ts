import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../constants";
import { dropGeneratedImages, signIn } from "./helpers";

test("a guest sends files through a file request, the editor accepts one and rejects one", async ({ page, browser }) => {
  await signIn(page);
  const stamp = Date.now();
  const created = await page.request.post("/api/collections/create", { data: { title: `Wedding ${stamp}` } });
  const collection = await created.json();

  // The editor makes the link in the collection editor.
  await page.goto(`/collections/${collection.id}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Label").fill("Photographer");
  await page.getByLabel(/Allow uploads/).check();
  await page.getByLabel(/Most files/).fill("5");
  await page.getByRole("button", { name: "Create link" }).click();
  const row = page.locator(".share-row").filter({ hasText: "Photographer" });
  await expect(row).toContainText("takes uploads, up to 5 files");
  const uploadLink = await row.getByLabel("Upload link").inputValue();
  expect(uploadLink).toMatch(/\/s\/[A-Za-z0-9_-]{40,}\/upload$/);

  // A guest, signed out, in another browser.
  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  await guest.goto(uploadLink);
  await expect(guest.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(guest.getByRole("heading", { level: 1 })).toContainText(`Wedding ${stamp}`);
  await expect(guest.getByText("This link takes 5 more files.")).toBeVisible();
  const names = [`guest-a-${stamp}.png`, `guest-b-${stamp}.png`];
  await dropGeneratedImages(guest, names);
  for (const name of names) {
    await expect(guest.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
      timeout: 20_000,
    });
  }
  // Nothing sent is shown through the link before it is accepted.
  await guest.goto(uploadLink.replace(/\/upload$/, ""));
  await expect(guest.getByText("This gallery is empty.")).toBeVisible();
  // Nor in the library.
  const library = await (await page.request.post("/api/media/list", { data: { query: { search: `guest-` } } })).json();
  expect(library.items.filter((i: { media: { original_filename: string } }) => i.media.original_filename.includes(`${stamp}`))).toEqual([]);

  // The editor reviews the inbox.
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const inbox = page.locator(".inbox-row");
  await expect(inbox).toHaveCount(2);
  await expect(inbox.first()).toContainText("from Photographer");
  await page.getByRole("button", { name: `Accept ${names[0]}` }).click();
  await expect(page.locator(".order-row")).toHaveCount(1);
  await expect(page.locator(".order-row")).toContainText(names[0]);
  await page.getByRole("button", { name: `Reject ${names[1]}` }).click();
  await expect(page.locator(".inbox-row")).toHaveCount(0);
  await expect(page.getByText("Nothing waiting.")).toBeVisible();

  // The guest now sees the accepted photo through the link, and the page is accessible.
  await guest.goto(uploadLink.replace(/\/upload$/, ""));
  await expect(guest.locator(".gallery-item img")).toHaveCount(1);
  await expect(guest.locator(".gallery-item img")).toHaveJSProperty("complete", true);
  expect(await guest.locator(".gallery-item img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  const results = await new AxeBuilder({ page: guest }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
  expect(serious).toEqual([]);
  await guestContext.close();
});

test("a share link's password works without JavaScript and never lands in the address bar", async ({ page, browser }) => {
  await signIn(page);
  const stamp = Date.now();
  const collection = await (await page.request.post("/api/collections/create", { data: { title: `Locked ${stamp}` } })).json();
  const link = await (
    await page.request.post("/api/shares/create", { data: { collection_id: collection.id, password: "correct horse" } })
  ).json();

  const context = await browser.newContext({ javaScriptEnabled: false });
  const visitor = await context.newPage();
  const response = await visitor.goto(link.url);
  expect(response?.status()).toBe(401);
  await expect(visitor.getByRole("heading", { name: "This link needs a password" })).toBeVisible();
  expect(await visitor.content()).not.toContain(`Locked ${stamp}`);
  await visitor.getByLabel("Password").fill("wrong guess");
  await visitor.getByRole("button", { name: "Open" }).click();
  await expect(visitor.getByRole("alert")).toHaveText("That password is not right.");
  expect(visitor.url()).not.toContain("wrong");
  await visitor.getByLabel("Password").fill("correct horse");
  await visitor.getByRole("button", { name: "Open" }).click();
  await expect(visitor.getByRole("heading", { level: 1 })).toHaveText(`Locked ${stamp}`);
  expect(visitor.url()).toBe(link.url);
  const robots = await visitor.locator('meta[name="robots"]').getAttribute("content");
  expect(robots).toContain("noindex");
  await context.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("an editor makes and revokes a share link with plain form posts", async ({ page }) => {
    const urls: string[] = [];
    page.on("request", (request) => urls.push(request.url()));
    await page.goto("/login");
    await page.getByLabel("Email").fill(ADMIN_EMAIL);
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByLabel("Password").press("Enter");
    await expect(page).toHaveURL(/\/library$/);
    const stamp = Date.now();
    const collection = await (await page.request.post("/api/collections/create", { data: { title: `No script ${stamp}` } })).json();

    await page.goto(`/collections/${collection.id}`);
    await page.getByLabel("Label").fill("Without scripts");
    await page.getByLabel("Password (optional)").fill("plain form secret");
    await page.getByLabel("Expires after (days, empty for never)").fill("3");
    await page.getByRole("button", { name: "Create link" }).click();
    await expect(page).toHaveURL(new RegExp(`/collections/${collection.id}$`));
    const row = page.locator(".share-row").filter({ hasText: "Without scripts" });
    await expect(row).toContainText("password");
    await expect(row).toContainText("until ");

    // A setting the browser's own checks let through but the server refuses comes back as a
    // sentence, and nothing is made.
    const refused = await page.request.post("/shares", {
      form: { intent: "create", collection_id: collection.id, label: "Too short", password: "abc" },
      maxRedirects: 0,
    });
    expect(refused.status()).toBe(303);
    const back = refused.headers()["location"];
    expect(back).toBe(`/collections/${collection.id}?share_error=invalid`);
    await page.goto(back);
    await expect(page.getByRole("alert")).toContainText("a password 6 to 200");
    await expect(page.locator(".share-row")).toHaveCount(1);

    await row.getByRole("button", { name: "Revoke Without scripts" }).click();
    await expect(page.locator(".share-row").filter({ hasText: "Without scripts" }).locator(".badge")).toHaveText("Revoked");
    for (const url of urls) {
      expect(url).not.toContain("secret");
      expect(url).not.toContain("password=");
    }
  });
});
