import { expect, test } from "@playwright/test";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dropGeneratedImages, signIn } from "./helpers";

const MIB = 1024 * 1024;

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

  await dropGeneratedImages(page, [`first-${stamp}.png`], seed);
  await expect(rows.filter({ hasText: `first-${stamp}.png` })).toHaveAttribute("data-phase", "completed", { timeout: 20_000 });
  expect(putsToStore).toBe(1);

  // The same content under another name: hashed in the browser, answered as held, never sent.
  await dropGeneratedImages(page, [`again-${stamp}.png`], seed);
  const again = rows.filter({ hasText: `again-${stamp}.png` });
  await expect(again).toHaveAttribute("data-phase", "duplicate", { timeout: 20_000 });
  await expect(again).toContainText("Already in your library");
  await expect(again).toContainText("not sent");
  expect(putsToStore).toBe(1);
  const held = await again.getByRole("link", { name: "show it" }).getAttribute("href");

  // Different content is sent as usual.
  await dropGeneratedImages(page, [`other-${stamp}.png`], seed + 1);
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

test("a big file is hashed while it is sent: a copy is found when it completes and not kept", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  // Big enough to go up in parts (the multipart threshold is 64 MiB), so it is not hashed first.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vitrine-big-copy-"));
  const stamp = Date.now();
  const bytes = Buffer.alloc(70 * MIB);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  for (let i = 8; i < bytes.length; i += 1024) bytes.writeUInt32LE((i * 2654435761 + stamp) >>> 0, i);
  const original = path.join(dir, `big-${stamp}.png`);
  const copy = path.join(dir, `big-copy-${stamp}.png`);
  fs.writeFileSync(original, bytes);
  fs.writeFileSync(copy, bytes);
  const expected = crypto.createHash("sha256").update(bytes).digest("hex");

  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const input = page.locator("[data-testid=dropzone] input[type=file]");
  const rows = page.locator(".upload-item");
  await input.setInputFiles(original);
  await expect(rows.filter({ hasText: `big-${stamp}.png` })).toHaveAttribute("data-phase", "completed", {
    timeout: 90_000,
  });
  const listed = async (name: string) =>
    (await (await page.request.post("/api/media/list", { data: { query: { search: name } } })).json()).items as any[];
  const [first] = await listed(`big-${stamp}`);
  const known = async () =>
    (await (await page.request.post("/api/uploads/known", { data: { sha256: [expected] } })).json()) as any[];
  expect(await known(), "the browser's streaming SHA-256 is the file's").toEqual([
    { sha256: expected, media_id: first.media.id },
  ]);

  // The copy goes up (it is not hashed first), then the completion finds the content held.
  await input.setInputFiles(copy);
  const again = rows.filter({ hasText: `big-copy-${stamp}.png` });
  await expect(again).toHaveAttribute("data-phase", "duplicate", { timeout: 90_000 });
  await expect(again).toContainText("Already in your library");
  expect(await again.getByRole("link", { name: "show it" }).getAttribute("href")).toBe(`/library?item=${first.media.id}`);
  expect(await listed(`big-copy-${stamp}`)).toHaveLength(0);

  // "Upload anyway" keeps a second copy, hashed already (no check again).
  await again.getByRole("button", { name: "Upload anyway" }).click();
  await expect(rows.filter({ hasText: `big-copy-${stamp}.png` })).toHaveAttribute("data-phase", "completed", {
    timeout: 90_000,
  });
  expect(await listed(`big-copy-${stamp}`)).toHaveLength(1);
  const duplicates = (await (await page.request.post("/api/media/duplicates", { data: {} })).json()) as any[];
  const group = duplicates.find((g) => g.sha256 === expected);
  expect(group.items, "both copies carry the content's hash").toHaveLength(2);
});
