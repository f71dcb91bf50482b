#!/usr/bin/env node
// The whole test suite, in the order that fails fastest: type check, config schema, API
// reports, lint, unit and database tests (SQLite and PostgreSQL), then the end-to-end test in
// headless Chromium.
//
// PostgreSQL: tests use BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
// (default postgresql://postgres@127.0.0.1:5432). It must be reachable: database tests
// never skip PostgreSQL silently.
import { spawnSync } from 'node:child_process';
import net from 'node:net';

// Non-interactive runs: Jest without watch mode, Playwright starting its own servers.
process.env.CI ??= 'true';
process.env.BACKSTAGE_TEST_DISABLE_DOCKER ??= '1';
process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??=
  'postgresql://postgres@127.0.0.1:5432';
// Database tests read this to fail, rather than skip, when PostgreSQL is missing.
process.env.APIGEE_CREDENTIALS_REQUIRE_POSTGRES ??= '1';

const steps = [
  ['type check', ['yarn', 'tsc']],
  // The plugins' config.d.ts schemas compile, and app-config.yaml follows them (the type
  // check does not read config.d.ts; a broken schema fails only when a package is packed).
  ['config schema', ['yarn', 'backstage-cli', 'config:check', '--strict']],
  // Reads the declarations the type check wrote; fails when a report is out of date.
  ['API reports', ['yarn', 'build:api-reports:only', '--ci']],
  ['lint', ['yarn', 'lint:all']],
  ['unit and database tests', ['yarn', 'test:unit']],
  ['end-to-end tests', ['yarn', 'test:e2e']],
];

async function checkPostgres() {
  const url = new URL(
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING,
  );
  const port = Number(url.port || 5432);
  await new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port }, () => {
      socket.end();
      resolve();
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('error', error =>
      reject(
        new Error(
          `PostgreSQL is not reachable at ${url.hostname}:${port} (${error.message}). ` +
            'Start it, or point BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING at one.',
        ),
      ),
    );
  });
}

await checkPostgres();

const results = [];
for (const [name, command] of steps) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${command.join(' ')}`);
  const { status } = spawnSync(command[0], command.slice(1), {
    stdio: 'inherit',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  results.push(`${status === 0 ? 'ok  ' : 'FAIL'} ${name} (${seconds}s)`);
  if (status !== 0) {
    console.log(`\n${results.join('\n')}`);
    process.exit(status ?? 1);
  }
}
console.log(`\n${results.join('\n')}`);
