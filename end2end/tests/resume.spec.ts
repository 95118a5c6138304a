import { expect, test } from "@playwright/test";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { signIn } from "./helpers";

const MIB = 1024 * 1024;

test("a 70 MiB upload survives a reload: picked again, only the missing parts are sent", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  // A real file on disk, so picking it again gives the same name, size and date.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vitrine-resume-"));
  const name = `big-${Date.now()}.png`;
  const file = path.join(dir, name);
  const bytes = Buffer.alloc(70 * MIB);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  for (let i = 8; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
  fs.writeFileSync(file, bytes);

  // The store is slowed down so the reload comes while parts are still going.
  await page.route(/partNumber=/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 700));
    await route.continue();
  });
  let sent: number[] = [];
  page.on("request", (request) => {
    const part = request.method() === "PUT" ? new URL(request.url()).searchParams.get("partNumber") : null;
    if (part) sent.push(Number(part));
  });

  await page.goto("/uploads");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator("[data-testid=dropzone] input[type=file]").setInputFiles(file);
  const row = page.locator(".upload-item").filter({ hasText: name });
  await expect(row).toHaveAttribute("data-phase", "uploading");

  const unfinished = async () => (await (await page.request.post("/api/uploads/unfinished", { data: {} })).json()) as any[];
  await expect.poll(async () => (await unfinished()).length).toBe(1);
  const fileId = (await unfinished())[0].id;
  const stored = async (): Promise<number[]> => {
    const progress = await (await page.request.post("/api/uploads/parts", { data: { file_id: fileId } })).json();
    expect(progress.part_count).toBe(14);
    return progress.parts.map((p: { number: number }) => p.number);
  };
  await expect.poll(async () => (await stored()).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);

  // A reload mid-way: the page forgets everything; the server and the store do not.
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const have = await stored();
  expect(have.length).toBeLessThan(14);
  sent = [];
  await page.getByLabel(`Resume ${name}`).setInputFiles(file);
  await expect(page.locator(".upload-item").filter({ hasText: name })).toHaveAttribute("data-phase", "completed", {
    timeout: 120_000,
  });
  const missing = Array.from({ length: 14 }, (_, i) => i + 1).filter((n) => !have.includes(n));
  expect([...sent].sort((a, b) => a - b)).toEqual(missing);
  await expect.poll(async () => (await unfinished()).length).toBe(0);
  fs.rmSync(dir, { recursive: true, force: true });
});
