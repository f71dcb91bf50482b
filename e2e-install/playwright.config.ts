import { defineConfig } from '@playwright/test';

/**
 * The check of `yarn test:install` (scripts/test-install.mjs): headless Chromium against a
 * new Backstage app with the packed plugins installed, which the script starts (no web
 * server here). PLAYWRIGHT_URL is that app's frontend.
 */
export default defineConfig({
  testDir: '.',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  outputDir: '../e2e-artifacts/install-results',
  use: {
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3100',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
