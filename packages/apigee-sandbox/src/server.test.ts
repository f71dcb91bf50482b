import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startSandbox } from './server';
import { SeedValidationError } from './seed/load';
import { call, edgeAdminAuth, ORDERS_EDGE_KEY } from './testing/helpers';

const AWS_CREDENTIALS = {
  accessKeyId: 'TESTSANDBOX111111111',
  secretAccessKey: 'sandbox-secret-access-key-111111111111',
};

function secretsClient(url: string) {
  return new SecretsManagerClient({
    endpoint: url,
    region: 'eu-west-1',
    credentials: AWS_CREDENTIALS,
    maxAttempts: 1,
  });
}

const ordersApp = (url: string) =>
  `${url}/v1/organizations/acme-edge/developers/orders-team@example.com/apps/orders-service`;

describe('composed sandbox', () => {
  it('serves a seeded secret to the real AWS SDK, whose key then passes the gateway', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const client = secretsClient(sandbox.url);
      const secret = await client.send(
        new GetSecretValueCommand({ SecretId: 'orders-service/apigee-prod' }),
      );
      expect(secret.VersionStages).toEqual(['AWSCURRENT']);
      const value = JSON.parse(secret.SecretString!);
      expect(value.consumerKey).toBe(ORDERS_EDGE_KEY);
      const res = await call(`${sandbox.url}/gateway/acme-edge/orders/health`, {
        headers: { 'x-apikey': value.consumerKey },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true, app: 'orders-service' });
      client.destroy();
    } finally {
      await sandbox.stop();
    }
  });

  it('routes unknown paths to a JSON 404 and binds 127.0.0.1 by default', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`);
      const res = await call(`${sandbox.url}/nowhere`);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatch(/no route for GET \/nowhere/);
    } finally {
      await sandbox.stop();
    }
  });

  it('applies startup options: fault rules, propagation and analytics delays, token lifetime', async () => {
    const sandbox = await startSandbox({
      port: 0,
      faults: [{ id: 'boot', service: 'gateway', failNext: 1 }],
      propagationDelayMs: 1234,
      tokenLifetimeSeconds: 42,
      analyticsDelayMs: 720_000,
    });
    try {
      expect(sandbox.config).toEqual({
        propagationDelayMs: 1234,
        tokenLifetimeSeconds: 42,
        googleTokenLifetimeSeconds: 3600,
        analyticsDelayMs: 720_000,
      });
      const res = await call(
        `${sandbox.url}/runtime/verify?apikey=${ORDERS_EDGE_KEY}`,
      );
      expect(res.status).toBe(503);
    } finally {
      await sandbox.stop();
    }
    await expect(
      startSandbox({ port: 0, tokenLifetimeSeconds: 0 }),
    ).rejects.toThrow(/tokenLifetimeSeconds must be an integer >= 1/);
    await expect(
      startSandbox({ port: 0, analyticsDelayMs: -1 }),
    ).rejects.toThrow(/analyticsDelayMs must be an integer >= 0/);
  });

  it("applies the seed's fault rules from the start and again after a reset", async () => {
    const sandbox = await startSandbox({
      port: 0,
      seed: resolve(__dirname, '../seed/demo.yaml'),
    });
    try {
      const rules = () => sandbox.faults.listRules().map(r => r.id);
      expect(rules()).toEqual(['demo-cart-create']);
      sandbox.faults.clearRules();
      await sandbox.reset();
      expect(rules()).toEqual(['demo-cart-create']);
    } finally {
      await sandbox.stop();
    }
  });

  it('refuses an invalid seed with a clear error', async () => {
    await expect(
      startSandbox({
        port: 0,
        seed: {
          apigee: { organizations: [{ name: 'Bad Name', dialect: 'edge' }] },
        },
      }),
    ).rejects.toThrow(SeedValidationError);
  });

  it('persists Apigee and Secrets Manager state across a restart, atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-persist-'));
    const persistPath = join(dir, 'state.json');

    const first = await startSandbox({ port: 0, persistPath });
    await call(`${ordersApp(first.url)}/keys/create`, {
      method: 'POST',
      headers: { Authorization: edgeAdminAuth },
      json: {
        consumerKey: 'persisted-key',
        consumerSecret: 'persisted-secret',
      },
    });
    const client = secretsClient(first.url);
    const put = await client.send(
      new PutSecretValueCommand({
        SecretId: 'orders-service/apigee-prod',
        SecretString:
          '{"consumerKey":"persisted-key","consumerSecret":"persisted-secret"}',
      }),
    );
    client.destroy();
    await first.stop();

    expect(statSync(persistPath).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);

    const second = await startSandbox({ port: 0, persistPath });
    try {
      const key = await call(`${ordersApp(second.url)}/keys/persisted-key`, {
        headers: { Authorization: edgeAdminAuth },
      });
      expect(key.status).toBe(200);
      const reader = secretsClient(second.url);
      const current = await reader.send(
        new GetSecretValueCommand({ SecretId: 'orders-service/apigee-prod' }),
      );
      expect(current.VersionId).toBe(put.VersionId);
      const previous = await reader.send(
        new GetSecretValueCommand({
          SecretId: 'orders-service/apigee-prod',
          VersionStage: 'AWSPREVIOUS',
        }),
      );
      expect(JSON.parse(previous.SecretString!).consumerKey).toBe(
        ORDERS_EDGE_KEY,
      );
      reader.destroy();

      // Reset goes back to the seed and is persisted too.
      await second.reset();
    } finally {
      await second.stop();
    }
    const third = await startSandbox({ port: 0, persistPath });
    try {
      const key = await call(`${ordersApp(third.url)}/keys/persisted-key`, {
        headers: { Authorization: edgeAdminAuth },
      });
      expect(key.status).toBe(404);
    } finally {
      await third.stop();
    }
  });

  it('refuses a corrupt persistence file and tells how to recover', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-persist-'));
    const persistPath = join(dir, 'state.json');
    writeFileSync(persistPath, '{"format":"something-else"}');
    await expect(startSandbox({ port: 0, persistPath })).rejects.toThrow(
      /not an apigee-sandbox state file.*Delete it/,
    );
  });
});

describe('CLI (src/cli.ts, as `yarn start` runs it)', () => {
  it('starts with the Backstage node transform, listens, and exits cleanly on SIGTERM', async () => {
    const packageDir = resolve(__dirname, '..');
    const child = spawn(
      process.execPath,
      [
        '--require',
        '@backstage/cli/config/nodeTransform.cjs',
        'src/cli.ts',
        '--port',
        '0',
      ],
      { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let output = '';
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no listen line in: ${output}`)),
          30_000,
        );
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolveUrl(match[1]);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', code =>
          reject(new Error(`exited ${code}: ${output}`)),
        );
      });
      const health = await call(`${url}/_sandbox/health`);
      expect(health.body.status).toBe('ok');
      const exitCode = await new Promise<number | null>(resolveExit => {
        child.once('exit', code => resolveExit(code));
        child.kill('SIGTERM');
      });
      expect(exitCode).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);
});
