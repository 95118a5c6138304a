import { expect, test } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../constants";

test("the library is private: a visitor is sent to sign in", async ({ page }) => {
  await page.goto("/library");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in to Vitrine" })).toBeVisible();
});

test("a wrong password is refused with a readable message", async ({ page }) => {
  await page.goto("/login");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill("definitely-wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
  await expect(page).toHaveURL(/\/login$/);
});

test("signing in through the UI shows the hydrated library", async ({ page }) => {
  await page.goto("/login");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(/\/library$/);
  await expect(page.getByRole("heading", { name: "Library" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Uploads");

  // This toggle has no server round trip: it only responds once the Wasm has hydrated the page.
  const toggle = page.getByRole("button", { name: "Compact view" });
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await toggle.click();
  await expect(page.getByRole("button", { name: "Comfortable view" })).toHaveAttribute("aria-pressed", "true");

  // A reload keeps the session (the cookie is real) and lands on the library again.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Library" })).toBeVisible();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

  // Signing out ends it.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/library");
  await expect(page).toHaveURL(/\/login$/);
});
