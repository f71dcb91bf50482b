import { test, expect, Page } from '@playwright/test';

const TAB = '/catalog/default/component/orders-service/apigee-credentials';

async function currentFingerprint(page: Page): Promise<string> {
  const cell = page
    .getByRole('table', { name: 'Apigee credentials of orders-service' })
    .getByText(/^sha256:[0-9a-f]{12}$/)
    .first();
  await expect(cell).toBeVisible();
  return (await cell.textContent())!.trim();
}

test('an owner rotates the orders-service credential from its tab', async ({
  page,
}) => {
  // The first scheduled pass (a few seconds after start) records the key's age. Reloading
  // the page shows the guest sign-in again, so sign in after every load.
  await expect(async () => {
    await page.goto(TAB);
    const enter = page.getByRole('button', { name: 'Enter' });
    const table = page.getByRole('table', {
      name: 'Apigee credentials of orders-service',
    });
    await expect(enter.or(table)).toBeVisible({ timeout: 30_000 });
    if (await enter.isVisible()) await enter.click();
    await expect(page.getByText(/^sha256:[0-9a-f]{12}$/).first()).toBeVisible({
      timeout: 5_000,
    });
  }).toPass({ timeout: 120_000 });
  const before = await currentFingerprint(page);
  await page.screenshot({
    path: 'e2e-artifacts/credentials-tab-before.png',
    fullPage: true,
  });

  await page.getByRole('button', { name: 'Rotate prod' }).click();
  await expect(page.getByRole('dialog')).toContainText('grace period');
  await page.getByRole('button', { name: 'Rotate now' }).click();

  await expect(page.getByText(/rotated|succeeded/i).first()).toBeVisible({
    timeout: 60_000,
  });
  await expect(async () => {
    expect(await currentFingerprint(page)).not.toBe(before);
  }).toPass({ timeout: 30_000 });
  await expect(page.getByText('0 days').first()).toBeVisible();
  // The old key now waits for deletion after its grace period.
  await expect(page.getByText(before)).toBeVisible();
  await page.screenshot({
    path: 'e2e-artifacts/credentials-tab-after.png',
    fullPage: true,
  });
});
