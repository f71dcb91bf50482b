import { test, expect } from '@playwright/test';

const TITLE = 'New consumer of an Apigee-auth proxy';

test('the Create page offers the Apigee consumer template', async ({
  page,
}) => {
  // The template comes from a file location read at start-up (app-config.yaml); the
  // catalog needs a moment after the backend is ready. Reloading shows the guest sign-in
  // again, so sign in after every load.
  await expect(async () => {
    await page.goto('/create');
    const enter = page.getByRole('button', { name: 'Enter' });
    const card = page.getByText(TITLE, { exact: true });
    await expect(enter.or(card)).toBeVisible({ timeout: 30_000 });
    if (await enter.isVisible()) await enter.click();
    await expect(card).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 120_000 });
  await page.screenshot({
    path: 'e2e-artifacts/create-page.png',
    fullPage: true,
  });

  // Choosing it opens the template's form on its first step.
  await page.getByRole('button', { name: 'Choose' }).click();
  await expect(page.getByRole('textbox', { name: /^Name/ })).toBeVisible();
  await expect(
    page.getByText('Name of the component in the catalog'),
  ).toBeVisible();
});
