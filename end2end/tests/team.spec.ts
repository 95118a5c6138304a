import { Browser, expect, Page, test } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../constants";
import { dropGeneratedImages, signIn } from "./helpers";

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing in posts the form and never puts the password in the address bar", async ({ page }) => {
    const urls: string[] = [];
    page.on("request", (request) => urls.push(request.url()));
    await page.goto("/login");
    await page.getByLabel("Email").fill(ADMIN_EMAIL);
    await page.getByLabel("Password").fill("not the password");
    await page.getByLabel("Password").press("Enter");
    await expect(page).toHaveURL(/\/login\?error=credentials$/);
    await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");

    await page.getByLabel("Email").fill(ADMIN_EMAIL);
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByLabel("Password").press("Enter");
    await expect(page).toHaveURL(/\/library$/);
    await expect(page.getByRole("heading", { name: "Library" })).toBeVisible();
    for (const url of urls) {
      expect(url).not.toContain("password");
      expect(url).not.toContain(encodeURIComponent(ADMIN_PASSWORD));
    }
  });
});

/** Invites `email` as `role` from the owner's People page: the one-time link. */
async function invite(owner: Page, email: string, role: string): Promise<string> {
  await owner.goto("/people");
  await expect(owner.locator("body")).toHaveAttribute("data-hydrated", "true");
  await owner.getByLabel("Email of the person to invite").fill(email);
  await owner.getByLabel("Their role").selectOption(role);
  await owner.getByRole("button", { name: "Create invitation link" }).click();
  const link = owner.getByLabel("Invitation link");
  await expect(link).toHaveValue(/\/invite\//);
  return await link.inputValue();
}

/** Opens an invitation in a new browser and joins: that person's page, on the library. */
async function join(browser: Browser, link: string, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Join Vitrine" })).toBeVisible();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Your name, as the team sees it").fill(name);
  await page.getByLabel(/Choose a password/).fill("a long enough password");
  await page.getByRole("button", { name: "Join" }).click();
  await expect(page).toHaveURL(/\/library$/);
  return page;
}

test("an owner invites an editor and a viewer; roles decide the controls; disabling signs out", async ({ page, browser }) => {
  const stamp = Date.now();
  await signIn(page);

  // The editor joins in their own browser and uploads.
  const editorLink = await invite(page, `editor-${stamp}@example.test`, "editor");
  const editor = await join(browser, editorLink, "Eddie Editor");
  await editor.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Uploads" }).click();
  await expect(editor.getByRole("heading", { name: "Uploads", exact: true })).toBeVisible();
  const file = `team-${stamp}.png`;
  await dropGeneratedImages(editor, [file]);
  await expect(editor.locator(".upload-item").filter({ hasText: file })).toHaveAttribute("data-phase", "completed", {
    timeout: 20_000,
  });

  // A used link is refused with a page that says so.
  const reused = await (await browser.newContext()).newPage();
  await reused.goto(editorLink);
  await expect(reused.getByRole("alert")).toContainText("already used");

  // The owner sees who uploaded it.
  await page.goto("/library");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Uploaded by").selectOption({ label: "Eddie Editor" });
  const tile = page.locator(".media-tile").filter({ hasText: file });
  await expect(tile).toHaveCount(1);
  await tile.locator(".name").click();
  await expect(page.locator(".uploader")).toHaveText("Eddie Editor");

  // A viewer sees no upload, edit or delete controls, and the API refuses them if forced.
  const viewer = await join(browser, await invite(page, `viewer-${stamp}@example.test`, "viewer"), "Vera Viewer");
  const nav = viewer.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Library" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Uploads" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "People" })).toHaveCount(0);
  await viewer.goto("/uploads");
  await expect(viewer).toHaveURL(/\/library$/);
  await viewer.goto("/collections");
  await expect(viewer.getByRole("button", { name: "Create collection" })).toHaveCount(0);
  const forced = await viewer.request.post("/api/media/delete", { data: { ids: [] } });
  expect(forced.status()).toBe(403);
  const forcedUpload = await viewer.request.post("/api/uploads/start", {
    data: { files: [{ name: "x.png", size: 10, content_type: "image/png" }] },
  });
  expect(forcedUpload.status()).toBe(403);

  // The owner disables the editor: the editor's next action lands on the sign-in page.
  await page.goto("/people");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const row = page.locator("tr", { hasText: `editor-${stamp}@example.test` });
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row).toContainText("Disabled");
  await editor.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Collections" }).click();
  await expect(editor).toHaveURL(/\/login$/);
});
