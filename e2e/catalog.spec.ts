import { test, expect } from '@playwright/test';

test('a guest signs in and sees both demo services in the catalog', async ({
  page,
}) => {
  await page.goto('/catalog');

  // Guest sign-in is automatic in the demo portal.
  await expect(
    page.getByRole('link', { name: 'orders-service', exact: true }),
  ).toBeVisible({ timeout: 120_000 });
  await expect(
    page.getByRole('link', { name: 'payments-service', exact: true }),
  ).toBeVisible();
});
