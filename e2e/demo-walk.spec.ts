import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/**
 * Walks the demo as a new user would, at laptop and desktop width: the tab of each demo
 * state, the Rotate dialog and progress, history, a service the guest does not own, the
 * fleet page with each filter and the notifications page. Saves a screenshot of each and
 * scans each page for serious or critical accessibility violations.
 */

const WIDTHS = [1280, 1920] as const;
const tab = (name: string) =>
  `/catalog/default/component/${name}/apigee-credentials`;

// Names of the plugin's own components, to tell their React warnings from others'.
const PLUGIN_COMPONENTS =
  /^(?:CredentialRow|CredentialsTable|CredentialsContent|RotateButton|RotateConfirmDialog|RotationProgress|HistoryPanel|StatusLabel|AgeGauge|StatusAdvice|CheckNowButton|ApproveButton|Fleet(?:Page|Table|Filters|Overview)|SummaryCard)$/;

/** plugin-app's toast container (a CSS module class: its suffix is a hash). */
const TOAST_CONTAINER = '[class*="Toast_container__"]';

async function axeScan(page: Page, what: string) {
  // Backstage's own notifications sidebar item labels itself "Notifications" while it also
  // shows the unread count (label-content-name-mismatch): not a component of this project.
  // The sort labels of core-components' Table (the fleet page) nest a button in a header
  // cell (nested-interactive): Backstage's markup, not this project's.
  const { violations } = await new AxeBuilder({ page })
    .exclude('nav a[href="/notifications"]')
    .exclude('th .MuiTableSortLabel-root')
    // Same Table on the notifications page: its column drag handles (aria-command-name).
    .exclude('[data-rbd-draggable-id]')
    // The app's toasts (plugin-app's Toast: its description is fg-secondary at 90 % opacity,
    // color-contrast). A scheduled rotation can end, and post its toast, during any scan.
    .exclude(TOAST_CONTAINER)
    .analyze();
  const bad = violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(
      v =>
        `${what}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes
          .slice(0, 3)
          .map(n => `${n.target.join(' ')} ${n.html.slice(0, 200)}`)
          .join(', ')}`,
    );
  expect(bad, bad.join('\n')).toEqual([]);
}

/** Opens a page and signs in as the guest if the sign-in page shows. */
async function open(page: Page, path: string, ready: () => Promise<void>) {
  await expect(async () => {
    await page.goto(path);
    const enter = page.getByRole('button', { name: 'Enter' });
    await expect(enter.or(page.getByRole('table')).first()).toBeVisible({
      timeout: 30_000,
    });
    if (await enter.isVisible()) await enter.click();
    await ready();
  }).toPass({ timeout: 120_000 });
}

/** Every header, status, age and fingerprint of the tab sits on one line. */
async function expectNoBrokenWords(page: Page) {
  const multiLine = await page.evaluate(() => {
    // Lines of text (icons aside): distinct tops of the text's boxes.
    const lineCount = (el: Element) => {
      const tops = new Set<number>();
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of Array.from(range.getClientRects())) {
          if (rect.width > 0) tops.add(Math.round(rect.top / 8));
        }
      }
      return tops.size;
    };
    return Array.from(
      document.querySelectorAll(
        'table thead th, [data-testid^="credential-status-"], [data-testid^="fingerprint-"], [data-testid^="credential-age-"]',
      ),
    )
      .filter(el => lineCount(el) > 1)
      .map(el => el.textContent?.trim() ?? '');
  });
  expect(multiLine, `broken over lines: ${multiLine.join(' | ')}`).toEqual([]);
}

for (const width of WIDTHS) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });

    test(`the demo walk`, async ({ page }) => {
      test.setTimeout(300_000);
      const shot = (name: string) =>
        page.screenshot({
          path: `e2e-artifacts/walk/${width}/${name}.png`,
          fullPage: true,
        });
      const pluginWarnings: string[] = [];
      page.on('console', message => {
        if (!['error', 'warning'].includes(message.type())) return;
        const text = message.text();
        if (!/Warning:/.test(text)) return;
        // The component a warning is about: the first of its stack, or the one whose render
        // method it names. Ancestors further down the stack are not to blame.
        const about = [
          /\n\s+at (\w+)/.exec(text)?.[1],
          /render method of `(\w+)`/.exec(text)?.[1],
        ];
        if (about.some(name => name && PLUGIN_COMPONENTS.test(name))) {
          pluginWarnings.push(text.slice(0, 300));
        }
      });

      // The owner's tab: a credential due soon, checked (the key's fingerprint shows).
      const orders = page.getByRole('table', {
        name: 'Apigee credentials of orders-service',
      });
      await open(page, tab('orders-service'), async () => {
        await expect(page.getByTestId('fingerprint-prod')).toBeVisible({
          timeout: 5_000,
        });
      });
      await expect(orders).toBeVisible();
      await expectNoBrokenWords(page);
      await shot('01-tab-orders');
      await axeScan(page, 'orders-service tab');

      // The Rotate dialog.
      await page.getByRole('button', { name: 'Rotate prod' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog).toContainText('grace period');
      await shot('02-rotate-dialog');
      await axeScan(page, 'rotate dialog');

      if (width === WIDTHS[0]) {
        // Rotating once is enough: the walk at the other width sees its history.
        await page.getByRole('button', { name: 'Rotate now' }).click();
        const progress = page.getByTestId('rotation-progress-prod');
        await expect(progress).toBeVisible();
        await shot('03-rotation-progress');
        await expect(progress).toContainText('Rotation of prod succeeded', {
          timeout: 60_000,
        });
        await expect(page.getByTestId('credential-status-prod')).toHaveText(
          'Up to date',
          { timeout: 30_000 },
        );
        // The outcome toast leaves the progress it reports on visible.
        const toast = page.getByText('Rotated the prod credential').first();
        if (await toast.isVisible()) {
          const a = (await toast.boundingBox())!;
          const b = (await progress.boundingBox())!;
          const overlap =
            a.x < b.x + b.width &&
            b.x < a.x + a.width &&
            a.y < b.y + b.height &&
            b.y < a.y + a.height;
          expect(overlap, 'the toast covers the progress').toBe(false);
          // The toast is in the container that axeScan leaves out (Backstage's component).
          await expect(
            page
              .locator(TOAST_CONTAINER)
              .getByText('Rotated the prod credential'),
          ).toBeVisible();
          // The screenshot shows the tab, not the toast: let it go first.
          await expect(toast).toBeHidden({ timeout: 20_000 });
        }
        await shot('04-rotated');
      } else {
        await page.getByRole('button', { name: 'Cancel' }).click();
        await expect(dialog).toBeHidden();
      }

      // History of the binding.
      await page.getByRole('button', { name: 'Show history of prod' }).click();
      await expect(page.getByTestId('history-prod')).toBeVisible();
      await shot('05-history');
      await axeScan(page, 'history');

      // A service the guest does not own: Rotate disabled, and why.
      await open(page, tab('payments-service'), async () => {
        await expect(page.getByTestId('rotate-denied-note')).toBeVisible({
          timeout: 5_000,
        });
      });
      await expect(page.getByTestId('rotate-denied-note')).toContainText(
        'team-payments',
      );
      await expect(
        page.getByRole('button', { name: 'Rotate prod', exact: true }),
      ).toBeDisabled();
      await expectNoBrokenWords(page);
      await shot('06-payments-non-owner');
      await axeScan(page, 'payments-service tab');

      // Drift and a misconfigured annotation, each saying what to do.
      await open(page, tab('inventory-service'), async () => {
        await expect(page.getByTestId('credential-status-prod')).toHaveText(
          'Drift',
          { timeout: 5_000 },
        );
      });
      await expect(page.getByTestId('credential-status-staging')).toHaveText(
        'Misconfigured',
      );
      await expect(page.getByTestId('status-advice-prod')).toContainText(
        'What to do',
      );
      await expect(
        page.getByTestId('status-advice-prod').getByRole('link'),
      ).toBeVisible();
      await shot('07-drift-misconfigured');
      await axeScan(page, 'inventory-service tab');

      // Unverified: no key details, Check now for the owners.
      await open(page, tab('reports-service'), async () => {
        await expect(page.getByTestId('credential-status-prod')).toHaveText(
          'Unverified',
          { timeout: 5_000 },
        );
      });
      await expect(
        page.getByRole('button', { name: 'Check now prod' }),
      ).toBeVisible();
      await shot('08-unverified');
      await axeScan(page, 'reports-service tab');

      // A failed rotation (Apigee refuses cart-service's new keys in the demo).
      await open(page, tab('cart-service'), async () => {
        await expect(page.getByTestId('credential-status-prod')).toHaveText(
          'Last rotation failed',
          { timeout: 5_000 },
        );
      });
      await expect(page.getByTestId('status-advice-prod')).toContainText(
        'Reason:',
      );
      await shot('09-failed');
      await axeScan(page, 'cart-service tab');

      // Old keys waiting for deletion: search-service's one-day key, rotated by the first pass.
      await open(page, tab('search-service'), async () => {
        await expect(page.getByTestId('pending-deletions-prod')).toBeVisible({
          timeout: 5_000,
        });
      });
      await shot('10-old-keys');

      // The fleet page, unfiltered and with each filter.
      await open(page, '/apigee-credentials', async () => {
        await expect(page.getByText('shipping-service').first()).toBeVisible({
          timeout: 5_000,
        });
      });
      await shot('11-fleet');
      await axeScan(page, 'fleet page');
      for (const [filter, expected] of [
        ['Overdue', 'shipping-service'],
        ['Failing', 'cart-service'],
        ['Drift', 'inventory-service'],
      ] as const) {
        await page.getByRole('button', { name: filter, exact: true }).click();
        await expect(page.getByText(expected).first()).toBeVisible();
        await shot(`12-fleet-${filter.toLowerCase()}`);
        await axeScan(page, `fleet page, ${filter}`);
      }

      // The notifications the failed rotation and the drift sent to the guest's team.
      await open(page, '/notifications', async () => {
        await expect(page.getByText(/cart-service/).first()).toBeVisible({
          timeout: 5_000,
        });
      });
      await shot('13-notifications');
      await axeScan(page, 'notifications page');

      expect(pluginWarnings).toEqual([]);
    });
  });
}
