import { createHash } from 'node:crypto';
import { test, expect, APIRequestContext, Page } from '@playwright/test';

const TAB = '/catalog/default/component/orders-service/apigee-credentials';
const SANDBOX = process.env.SANDBOX_URL ?? 'http://localhost:7010';
const SECRET_STATE = `${SANDBOX}/_sandbox/state/secretsmanager?account=111111111111&region=eu-west-1&name=orders-service/apigee-prod`;
const APP_STATE = `${SANDBOX}/_sandbox/state/apigee/acme-edge/apps/orders-service`;

// Toasts and notification snackbars cover the old keys panel: hidden in its screenshots.
const HIDE_TOASTS =
  '.MuiSnackbar-root, .notistack-SnackbarContainer { visibility: hidden !important; }';

const fingerprintOf = (value: string) =>
  `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;

async function currentFingerprint(page: Page): Promise<string> {
  const cell = page
    .getByRole('table', { name: 'Apigee credentials of orders-service' })
    .getByText(/^sha256:[0-9a-f]{12}$/)
    .first();
  await expect(cell).toBeVisible();
  return (await cell.textContent())!.trim();
}

/** Fingerprint of the consumer key under each staging label, from the sandbox's control API. */
async function keysByStage(
  request: APIRequestContext,
): Promise<Record<string, string>> {
  const response = await request.get(SECRET_STATE);
  expect(response.status()).toBe(200);
  const { versions } = (await response.json()) as {
    versions: Array<{ stages: string[]; fields: { consumerKey?: string } }>;
  };
  return Object.fromEntries(
    versions.flatMap(v => v.stages.map(s => [s, v.fields.consumerKey ?? ''])),
  );
}

/** Whether the gateway accepts the app's key with this fingerprint (the key never leaves the test). */
async function gatewayAccepts(
  request: APIRequestContext,
  keyFingerprint: string,
): Promise<boolean> {
  const { keys } = (await (await request.get(APP_STATE)).json()) as {
    keys: Array<{ consumerKey: string }>;
  };
  const key = keys.find(k => fingerprintOf(k.consumerKey) === keyFingerprint);
  if (!key) return false;
  const response = await request.get(`${SANDBOX}/gateway/acme-edge/orders`, {
    headers: { 'x-apikey': key.consumerKey },
  });
  return response.status() === 200;
}

test('an owner rotates the orders-service credential from its tab', async ({
  page,
  request,
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
  expect((await keysByStage(request)).AWSCURRENT).toBe(before);
  await page.screenshot({
    path: 'e2e-artifacts/credentials-tab-before.png',
    fullPage: true,
  });

  await page.getByRole('button', { name: 'Rotate prod' }).click();
  await expect(page.getByRole('dialog')).toContainText('grace period');
  await page.getByRole('button', { name: 'Rotate now' }).click();

  // The rotation's own outcome, not text that is on the page anyway.
  await expect(page.getByTestId('rotation-progress-prod')).toContainText(
    'Rotation of prod succeeded',
    { timeout: 60_000 },
  );
  await expect(async () => {
    expect(await currentFingerprint(page)).not.toBe(before);
  }).toPass({ timeout: 30_000 });
  const after = await currentFingerprint(page);
  await expect(page.getByTestId('credential-age-prod')).toHaveText('0 days');
  // The old key now waits for deletion after its grace period.
  await expect(page.getByText(before)).toBeVisible();

  // What the application sees: AWSCURRENT holds the new key, AWSPREVIOUS the old one,
  // nothing is left pending, and the gateway takes both keys.
  const stages = await keysByStage(request);
  expect(stages.AWSCURRENT).toBe(after);
  expect(stages.AWSPREVIOUS).toBe(before);
  expect(stages.AWSPENDING).toBeUndefined();
  expect(await gatewayAccepts(request, after)).toBe(true);
  expect(await gatewayAccepts(request, before)).toBe(true);
  await page.screenshot({
    path: 'e2e-artifacts/credentials-tab-after.png',
    fullPage: true,
  });

  // The old key is in its grace period. The owner revokes it now (a leaked key): the dialog
  // first shows the calls made with it (the gateway call above, once analytics has it), and
  // revokes only once the owner ticks that they understand.
  const short = before.replace(/^sha256:/, '');
  const oldState = page.getByTestId(`old-key-state-prod-${short}`);
  await expect(oldState).toHaveText('In grace');
  await page
    .getByRole('button', { name: `Revoke now: old key ${before} of prod` })
    .click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('traffic-figures')).toBeVisible();
  const revoke = dialog.getByRole('button', { name: 'Revoke key' });
  await expect(revoke).toBeDisabled();
  await dialog.getByRole('checkbox').check();
  await revoke.click();
  await expect(oldState).toHaveText('Revoked');
  expect(await gatewayAccepts(request, before)).toBe(false);
  expect(await gatewayAccepts(request, after)).toBe(true);
  // The confirmation toast is transient; the screenshot shows the panel without it.
  await expect(page.getByText(/^Revoked old key/)).toBeHidden();
  await page.screenshot({
    path: 'e2e-artifacts/credentials-tab-old-key-revoked.png',
    fullPage: true,
    style: HIDE_TOASTS,
  });

  // Something broke: the owner restores it, and Apigee takes it again.
  await page
    .getByRole('button', { name: `Restore old key ${before} of prod` })
    .click();
  await expect(oldState).not.toHaveText('Revoked');
  expect(await gatewayAccepts(request, before)).toBe(true);

  // A release freeze: scheduled rotation paused with a reason, shown on the row, resumed.
  await page
    .getByRole('button', { name: 'Pause scheduled rotation of prod' })
    .click();
  await page.getByLabel('Reason').fill('Release freeze until Monday');
  await page.getByRole('button', { name: 'Pause schedule' }).click();
  await expect(page.getByTestId('paused-prod')).toContainText(
    'Release freeze until Monday',
  );
  await expect(page.getByText(/^Paused scheduled rotation/)).toBeHidden();
  await page.screenshot({
    path: 'e2e-artifacts/credentials-tab-paused.png',
    fullPage: true,
    style: HIDE_TOASTS,
  });
  await page
    .getByRole('button', { name: 'Resume scheduled rotation of prod' })
    .click();
  await expect(page.getByTestId('paused-prod')).toHaveCount(0);
});
