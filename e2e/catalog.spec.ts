import { test, expect } from '@playwright/test';

test('a guest signs in and sees both demo services in the catalog', async ({
  page,
}) => {
  await page.goto('/catalog');

  await page.getByRole('button', { name: 'Enter' }).click();

  // The catalog opens on the guest's own components (guest is in team-orders)...
  await expect(
    page.getByRole('link', { name: 'orders-service', exact: true }),
  ).toBeVisible();
  // ...and lists every component under "All".
  await page.getByRole('menuitem', { name: /^All/ }).click();
  await expect(
    page.getByRole('link', { name: 'orders-service', exact: true }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'payments-service', exact: true }),
  ).toBeVisible();
});
