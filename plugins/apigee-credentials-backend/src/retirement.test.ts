import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RunningSandbox, startSandbox } from '@keyrotation/apigee-sandbox';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import request from 'supertest';
import { SimulatedConsumer, ConsumerStyle } from './__testUtils__/consumers';
import { createTestDatabases } from './__testUtils__/databases';
import {
  DEMO_ACCESS_KEY,
  DEMO_ACCOUNT,
  demoSandboxConfig,
  startPluginBackend,
} from './__testUtils__/pluginBackend';

// Old keys are retired by traffic (docs/key-retirement.md). These tests drive the real plugin
// over HTTP against the sandbox, whose gateway records calls per key and serves Apigee's
// analytics API; simulated applications read the key from Secrets Manager with the real AWS
// SDK and call the gateway with it. None of them may be cut off while it still uses a key,
// unless the deadline says so.

jest.setTimeout(120_000);

const API = '/api/apigee-credentials/v1';
const OWNER = 'user:default/olivia';
const STRANGER = 'user:default/mallory';
const ORDERS_KEY = 'sandbox-orders-prod-key-WhJXZcvWo0oYffd3';
const OLD_FINGERPRINT = fingerprint(ORDERS_KEY);
const SECRET = 'orders-service/apigee-prod';
const CREDENTIAL = `${API}/entities/default/component/orders-service/credentials/prod`;

const ordersService = (fields: Record<string, string> = {}): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders-service',
    namespace: 'default',
    annotations: {
      'apigee.keyrotation.dev/prod': Object.entries({
        provider: 'acme-edge',
        account: `'${DEMO_ACCOUNT}'`,
        region: 'eu-west-1',
        developer: 'orders-team@example.com',
        app: 'orders-service',
        secret: SECRET,
        gracePeriod: '1s',
        ...fields,
      })
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    },
  },
  spec: { type: 'service', owner: 'team-orders' },
});

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
/** Waits until the clock's seconds reach `second` (0-59), in this minute or the next. */
const untilSecondOfMinute = async (second: number) => {
  const now = new Date();
  const wait =
    (((second - now.getUTCSeconds() + 60) % 60) * 1000 -
      now.getUTCMilliseconds() +
      60_000) %
    60_000;
  await sleep(wait);
};
const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'retiring old keys by traffic on %s',
  databaseId => {
    let sandbox: RunningSandbox;
    const stops: Array<() => Promise<void>> = [];

    beforeEach(async () => {
      sandbox = await startSandbox({ port: 0 });
    });
    afterEach(async () => {
      for (const stop of stops.splice(0)) await stop();
      await sandbox.stop();
    });

    /** The plugin on a fresh database; analytics delays in ms (the sandbox's and the provider's). */
    async function start(
      options: {
        entity?: Entity;
        sandboxDelayMs?: number;
        providerDelayMs?: number;
        deadline?: object;
      } = {},
    ) {
      await setSandboxConfig({ analyticsDelayMs: options.sandboxDelayMs ?? 0 });
      const config = demoSandboxConfig(sandbox.url, {
        rotation: {
          keyPropagationDelay: { seconds: 0 },
          minimumGracePeriod: { milliseconds: 0 },
          minimumMaxAge: { seconds: 1 },
        },
        manualRotationCooldown: { seconds: 0 },
        retirement: {
          deadline: options.deadline ?? { minutes: 10 },
          restoreWindow: { seconds: 2 },
          recheckInterval: { milliseconds: 200 },
          lookback: { seconds: 2 },
        },
      }) as any;
      for (const provider of config.apigeeCredentials.providers) {
        provider.analytics = {
          environments: ['prod'],
          delay: { milliseconds: options.providerDelayMs ?? 300 },
        };
      }
      const backend = await startPluginBackend({
        knex: await databases.init(databaseId),
        entities: [options.entity ?? ordersService()],
        config,
        memberships: { [OWNER]: [OWNER, 'group:default/team-orders'] },
        // Mallory may read but not rotate; everyone else may do anything but administer.
        allow: (permission, credentials) =>
          permission.name !== 'apigee-credentials.admin' &&
          !(
            permission.name.endsWith('.rotate') &&
            (credentials?.principal as any)?.userEntityRef === STRANGER
          ),
      });
      stops.push(() => backend.backend.stop());
      await backend.runPass(); // syncs the binding from the catalog
      return backend;
    }

    async function setSandboxConfig(update: object) {
      const res = await fetch(`${sandbox.url}/_sandbox/config`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(update),
      });
      expect(res.status).toBe(200);
    }

    const as = (user: string) => mockCredentials.user.header(user);

    async function credential(server: any) {
      const res = await request(server)
        .get(`${API}/entities/default/component/orders-service/credentials`)
        .set('Authorization', as(OWNER));
      expect(res.status).toBe(200);
      return res.body.items[0];
    }

    const oldKey = (summary: any) =>
      summary.oldKeys.find((k: any) => k.keyFingerprint === OLD_FINGERPRINT);

    async function rotate(server: any, body?: object) {
      const started = await request(server)
        .post(`${CREDENTIAL}/rotate`)
        .set('Authorization', as(OWNER))
        .send(body ?? {});
      expect(started.status).toBe(202);
      for (let i = 0; i < 200; i++) {
        const rotation = await request(server)
          .get(`${API}/rotations/${started.body.id}`)
          .set('Authorization', as(OWNER));
        if (rotation.body.status !== 'running') {
          expect(rotation.body.status).toBe('succeeded');
          return;
        }
        await sleep(50);
      }
      throw new Error('the rotation did not end');
    }

    /** Runs scheduled passes until the old key is in `state`; returns the states seen on the way. */
    async function passUntil(
      backend: { server: any; runPass(): Promise<void> },
      state: string,
      timeoutMs = 20_000,
    ) {
      const seen: string[] = [];
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        await backend.runPass();
        const key = oldKey(await credential(backend.server));
        if (key && seen[seen.length - 1] !== key.state) seen.push(key.state);
        if (key?.state === state) return { key, seen };
        await sleep(100);
      }
      throw new Error(
        `the old key never reached ${state}; states seen: ${seen.join(' → ')}`,
      );
    }

    function consumer(style: ConsumerStyle, clientIp: string) {
      return new SimulatedConsumer({
        name: `${style} consumer`,
        style,
        clientIp,
        secretId: SECRET,
        proxyUrl: `${sandbox.url}/gateway/acme-edge/orders`,
        secretsManager: new SecretsManagerClient({
          endpoint: sandbox.url,
          region: 'eu-west-1',
          credentials: {
            accessKeyId: DEMO_ACCESS_KEY,
            secretAccessKey: 'sandbox',
          },
        }),
      });
    }

    /** Calls every 50 ms in the background until the test ends or `stop` is called. */
    function keepCalling(app: SimulatedConsumer) {
      let running = true;
      const loop = (async () => {
        while (running) {
          await app.call();
          await sleep(50);
        }
      })();
      const stop = async () => {
        running = false;
        await loop;
      };
      stops.unshift(stop);
      return stop;
    }

    const appKeys = () =>
      sandbox.apigee
        .getApp('acme-edge', 'orders-team@example.com', 'orders-service')
        .app.credentials.map(k => ({ key: k.consumerKey, status: k.status }));

    const gatewayAccepts = async (consumerKey: string) => {
      const res = await fetch(`${sandbox.url}/gateway/acme-edge/orders`, {
        headers: { 'x-apikey': consumerKey },
      });
      await res.text();
      return res.status === 200;
    };

    const titles = (notifications: unknown[], text: string) =>
      notifications.filter((n: any) => n.payload.title.includes(text));

    const statsCalls = () =>
      Object.entries(sandbox.faults.counters().calls)
        .filter(([operation]) => operation.includes('stats'))
        .reduce((sum, [, n]) => sum + n, 0);

    it('deletes a key nothing calls, after two silent checks', async () => {
      const backend = await start();
      await rotate(backend.server);
      expect(oldKey(await credential(backend.server)).state).toBe('in-grace');

      const { key, seen } = await passUntil(backend, 'deleted');
      expect(seen).toContain('checking'); // one silent answer is not enough
      expect(key.traffic).toMatchObject({ calls: 0 });
      expect(appKeys().map(k => k.key)).not.toContain(ORDERS_KEY);
      expect(statsCalls()).toBeGreaterThanOrEqual(2);
      expect(titles(backend.notifications, 'was deleted')).toHaveLength(1);
      expect(backend.auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'old-key-deleted' }),
      );
    });

    it('keeps a key that is still called, tells the owners once, and deletes it after its consumers switch', async () => {
      const backend = await start();
      const sticky = consumer('start-only', '10.1.2.3');
      const eager = consumer('eager', '10.9.9.9');
      await sticky.call(); // reads the old key and keeps it
      keepCalling(sticky);
      keepCalling(eager);
      await rotate(backend.server);

      const { key } = await passUntil(backend, 'in-use');
      expect(key.traffic.calls).toBeGreaterThan(0);
      expect(key.traffic.sources).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ proxy: 'orders-proxy' }),
          expect.objectContaining({ client: '10.1.2.3' }),
        ]),
      );
      expect(key.deadlineAt).toBeDefined();
      // Several more checks while it is still used: kept, and no second notice.
      for (let i = 0; i < 4; i++) {
        await sleep(250);
        await backend.runPass();
      }
      expect(oldKey(await credential(backend.server)).state).toBe('in-use');
      expect(await gatewayAccepts(ORDERS_KEY)).toBe(true);
      expect(titles(backend.notifications, 'still in use')).toHaveLength(1);
      // The eager consumer took the new key at once: the tab shows it in use.
      expect(
        (await credential(backend.server)).currentKeyFirstUsedAt,
      ).toBeDefined();

      // Analytics counts per minute: the last call falls silent once its minute is over.
      // Restarting just before a minute ends keeps the test short.
      await untilSecondOfMinute(52);
      sticky.restart(); // re-reads AWSCURRENT: the old key falls silent
      const deleted = await passUntil(backend, 'deleted');
      expect(deleted.seen).toEqual(['in-use', 'checking', 'deleted']);
      expect(appKeys().map(k => k.key)).not.toContain(ORDERS_KEY);
      expect(sticky.failures).toEqual([]);
      expect(eager.failures).toEqual([]);
      expect(sticky.calls).toBeGreaterThan(10);
    });

    it('sees a call made just before the first check at the second one (analytics delay)', async () => {
      // Calls show in analytics 1.5 s late; the provider waits 2 s between its two checks.
      const backend = await start({
        sandboxDelayMs: 1500,
        providerDelayMs: 2000,
      });
      await rotate(backend.server);
      await sleep(1100); // grace period over
      expect(await gatewayAccepts(ORDERS_KEY)).toBe(true); // one call, not yet in analytics
      await backend.runPass();
      expect(oldKey(await credential(backend.server)).state).toBe('checking');
      const { key } = await passUntil(backend, 'in-use', 10_000);
      expect(key.traffic.calls).toBe(1);
      expect(appKeys().map(k => k.key)).toContain(ORDERS_KEY);
    });

    it('revokes a key still used at its deadline; an owner restores it; unrestored, it is deleted after the restore window', async () => {
      const backend = await start({ deadline: { seconds: 2 } });
      const sticky = consumer('start-only', '10.1.2.3');
      await sticky.call();
      const stopSticky = keepCalling(sticky);
      await rotate(backend.server);

      const revoked = await passUntil(backend, 'revoked');
      expect(revoked.seen).toContain('in-use');
      expect(revoked.key.restorableUntil).toBeDefined();
      expect(revoked.key.revokedBy).toBeUndefined(); // the deadline did it
      expect(await gatewayAccepts(ORDERS_KEY)).toBe(false);
      expect(titles(backend.notifications, 'was revoked')).toHaveLength(1);

      const restored = await request(backend.server)
        .post(`${CREDENTIAL}/old-keys/${OLD_FINGERPRINT}/restore`)
        .set('Authorization', as(OWNER));
      expect(restored.status).toBe(200);
      expect(restored.body.state).not.toBe('revoked');
      expect(await gatewayAccepts(ORDERS_KEY)).toBe(true);
      expect(appKeys()).toContainEqual({ key: ORDERS_KEY, status: 'approved' });
      expect(backend.auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'old-key-restore' }),
      );

      // Still used at the new deadline: revoked again, then deleted once the window is over.
      await passUntil(backend, 'revoked');
      await stopSticky();
      await passUntil(backend, 'deleted');
      expect(appKeys().map(k => k.key)).not.toContain(ORDERS_KEY);
    });

    it('never deletes on missing data: postpones while analytics is down, says why, and goes on when it is back', async () => {
      const backend = await start();
      sandbox.faults.addRule({
        id: 'analytics-down',
        service: 'apigee',
        path: '/stats/',
        errorRate: 1,
        status: 503,
      });
      await rotate(backend.server);
      const { key } = await passUntil(backend, 'waiting-for-analytics');
      expect(key.reason).toMatch(/Analytics did not answer/);
      for (let i = 0; i < 3; i++) {
        await sleep(250);
        await backend.runPass();
      }
      expect(oldKey(await credential(backend.server)).state).toBe(
        'waiting-for-analytics',
      );
      expect(appKeys().map(k => k.key)).toContain(ORDERS_KEY);
      expect(
        titles(backend.notifications, 'cannot be retired yet'),
      ).toHaveLength(1);

      sandbox.faults.removeRule('analytics-down');
      await passUntil(backend, 'deleted');
    });

    it('revokes a leaked key now, showing its traffic first, only for owners', async () => {
      const backend = await start();
      const sticky = consumer('start-only', '10.1.2.3');
      await sticky.call();
      const stopSticky = keepCalling(sticky);
      await rotate(backend.server);
      await sleep(300);
      await stopSticky();

      const traffic = await request(backend.server)
        .get(`${CREDENTIAL}/old-keys/${OLD_FINGERPRINT}/traffic`)
        .set('Authorization', as(OWNER));
      expect(traffic.status).toBe(200);
      expect(traffic.body.calls).toBeGreaterThan(0);
      expect(JSON.stringify(traffic.body)).not.toContain(ORDERS_KEY);
      // Asked again within the minute: the same answer, and no call to Apigee.
      const apigeeCalls = sandbox.faults.callCount('apigee.');
      const again = await request(backend.server)
        .get(`${CREDENTIAL}/old-keys/${OLD_FINGERPRINT}/traffic`)
        .set('Authorization', as(OWNER));
      expect(again.body).toEqual(traffic.body);
      expect(sandbox.faults.callCount('apigee.')).toBe(apigeeCalls);

      for (const action of ['traffic', 'revoke', 'restore']) {
        const method = action === 'traffic' ? 'get' : 'post';
        const refused = await request(backend.server)
          [method](`${CREDENTIAL}/old-keys/${OLD_FINGERPRINT}/${action}`)
          .set('Authorization', as(STRANGER));
        expect(refused.status).toBe(403);
      }
      const badFingerprint = await request(backend.server)
        .post(`${CREDENTIAL}/old-keys/not-a-fingerprint!/revoke`)
        .set('Authorization', as(OWNER));
      expect(badFingerprint.status).toBe(400);
      const unknown = await request(backend.server)
        .post(`${CREDENTIAL}/old-keys/sha256:${'0'.repeat(12)}/revoke`)
        .set('Authorization', as(OWNER));
      expect(unknown.status).toBe(404);
      expect(appKeys()).toContainEqual({ key: ORDERS_KEY, status: 'approved' });

      const revoked = await request(backend.server)
        .post(`${CREDENTIAL}/old-keys/${OLD_FINGERPRINT}/revoke`)
        .set('Authorization', as(OWNER));
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({
        state: 'revoked',
        revokedBy: OWNER,
      });
      expect(await gatewayAccepts(ORDERS_KEY)).toBe(false);
      expect(backend.auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'old-key-revoke' }),
      );
    });

    it('rotates and revokes the current key at once', async () => {
      const backend = await start();
      await rotate(backend.server, { revokeOldKey: true });
      const { key } = await passUntil(backend, 'revoked', 5_000);
      expect(key.revokedBy).toBe(OWNER);
      expect(await gatewayAccepts(ORDERS_KEY)).toBe(false);
      expect(appKeys()).toContainEqual({ key: ORDERS_KEY, status: 'revoked' });
    });

    it('pauses and resumes scheduled rotation, with a reason shown on the credential and the fleet page', async () => {
      const backend = await start({ entity: ordersService({ maxAge: '1s' }) });
      const pause = (reason: string, user = OWNER) =>
        request(backend.server)
          .post(`${CREDENTIAL}/pause`)
          .set('Authorization', as(user))
          .send({ reason });
      expect((await pause('')).status).toBe(400);
      expect((await pause('freeze', STRANGER)).status).toBe(403);
      const paused = await pause('release freeze until Monday');
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({
        by: OWNER,
        reason: 'release freeze until Monday',
      });

      const before = (await credential(backend.server)).keyFingerprint;
      await sleep(1100); // due now
      await backend.runPass();
      const summary = await credential(backend.server);
      expect(summary.keyFingerprint).toBe(before); // not rotated
      expect(summary.paused).toMatchObject({
        reason: 'release freeze until Monday',
      });
      const fleet = await request(backend.server)
        .get(`${API}/credentials?paused=true`)
        .set('Authorization', as(OWNER));
      expect(fleet.body.items.map((c: any) => c.entityRef)).toEqual([
        'component:default/orders-service',
      ]);

      const resumed = await request(backend.server)
        .post(`${CREDENTIAL}/resume`)
        .set('Authorization', as(OWNER));
      expect(resumed.status).toBe(204);
      await backend.runPass();
      for (let i = 0; i < 100; i++) {
        if ((await credential(backend.server)).keyFingerprint !== before) break;
        await sleep(100);
      }
      expect((await credential(backend.server)).keyFingerprint).not.toBe(
        before,
      );
      expect(backend.auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'credential-pause' }),
      );
    });
  },
);
