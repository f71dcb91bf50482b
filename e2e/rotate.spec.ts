import { createHash } from 'node:crypto';
import { test, expect, APIRequestContext, Page } from '@playwright/test';

const TAB = '/catalog/default/component/orders-service/apigee-credentials';
const SANDBOX = process.env.SANDBOX_URL ?? 'http://localhost:7010';
const SECRET_STATE = `${SANDBOX}/_sandbox/state/secretsmanager?account=111111111111&region=eu-west-1&name=orders-service/apigee-prod`;
const APP_STATE = `${SANDBOX}/_sandbox/state/apigee/acme-edge/apps/orders-service`;

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
});
