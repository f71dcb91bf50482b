import { test, expect, Page } from '@playwright/test';

// The demo entity of the sandbox's default seed (examples/components.yaml).
const TAB = '/catalog/default/component/orders-service/apigee-credentials';
const TABLE = 'Apigee credentials of orders-service';
const TEMPLATE = 'New consumer of an Apigee-auth proxy';
const flavour = process.env.INSTALL_FLAVOUR ?? 'app';
const FINGERPRINT = /^sha256:[0-9a-f]{12}$/;

/** Opens a page until `ready` shows, signing in as the guest whenever the app asks. */
async function openSignedIn(page: Page, url: string, ready: () => any) {
  await expect(async () => {
    await page.goto(url);
    const enter = page.getByRole('button', { name: 'Enter' });
    await expect(enter.or(ready())).toBeVisible({ timeout: 30_000 });
    if (await enter.isVisible()) await enter.click();
    await expect(ready()).toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: 150_000 });
}

async function currentFingerprint(page: Page): Promise<string> {
  const cell = page
    .getByRole('table', { name: TABLE })
    .getByText(FINGERPRINT)
    .first();
  await expect(cell).toBeVisible();
  return (await cell.textContent())!.trim();
}

test('the credentials tab lists the demo credential and Rotate succeeds', async ({
  page,
}) => {
  // The first scheduled pass (a few seconds after start) adopts the binding.
  await openSignedIn(page, TAB, () =>
    page.getByRole('table', { name: TABLE }).getByText(FINGERPRINT).first(),
  );
  const before = await currentFingerprint(page);
  await page.screenshot({
    path: `e2e-artifacts/install-${flavour}-tab.png`,
    fullPage: true,
  });

  await page.getByRole('button', { name: 'Rotate prod' }).click();
  await expect(page.getByRole('dialog')).toContainText('grace period');
  await page.getByRole('button', { name: 'Rotate now' }).click();

  await expect(page.getByText(/rotated|succeeded/i).first()).toBeVisible({
    timeout: 90_000,
  });
  await expect(async () => {
    expect(await currentFingerprint(page)).not.toBe(before);
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId('credential-age-prod')).toHaveText('0 days');
  await page.screenshot({
    path: `e2e-artifacts/install-${flavour}-rotated.png`,
    fullPage: true,
  });
});

test('the Create page offers the Apigee consumer template', async ({
  page,
}) => {
  // The template comes from a file location the catalog reads after start-up.
  await openSignedIn(page, '/create', () =>
    page.getByText(TEMPLATE, { exact: true }),
  );
});
