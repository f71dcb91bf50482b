import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: headless Chromium against the real portal (frontend :3000, backend :7007)
 * and the sandbox (:7010), all started by `yarn start`.
 *
 * Chromium comes from the system (Debian's `chromium` package) because test tools cannot
 * download their own browser here; override its path with CHROMIUM_PATH.
 */
export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  outputDir: 'e2e-artifacts/results',
  webServer: {
    command: 'yarn start',
    url: 'http://localhost:7007/.backstage/health/v1/readiness',
    reuseExistingServer: !process.env.CI,
    timeout: 300_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
  use: {
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000',
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
