import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { RunningSandbox, startSandbox } from '@keyrotation/apigee-sandbox';
import request from 'supertest';
import { createTestDatabases } from './__testUtils__/databases';
import {
  DEMO_ACCESS_KEY,
  DEMO_ACCOUNT,
  demoSandboxConfig,
  startPluginBackend,
} from './__testUtils__/pluginBackend';

// The steady state of a fleet must cost almost nothing upstream: each binding is checked on
// its own schedule (`apigeeCredentials.checkInterval`), a pass looks only at what is due,
// and a check reads the secret's metadata, not its value, unless AWSCURRENT moved.

jest.setTimeout(120_000);

const API = '/api/apigee-credentials/v1';
const CHECK_INTERVAL_MS = 2_000;

const annotation = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

const edge = {
  provider: 'acme-edge',
  account: `'${DEMO_ACCOUNT}'`,
  region: 'eu-west-1',
};

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'orders-service',
      namespace: 'default',
      annotations: {
        'apigee.keyrotation.dev/prod': annotation({
          ...edge,
          developer: 'orders-team@example.com',
          app: 'orders-service',
          secret: 'orders-service/apigee-prod',
        }),
      },
    },
    spec: { type: 'service', owner: 'team-orders' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'payments-service',
      namespace: 'default',
      annotations: {
        'apigee.keyrotation.dev/prod': annotation({
          ...edge,
          developer: 'payments-team@example.com',
          app: 'payments-service',
          secret: 'payments-service/apigee-prod',
        }),
      },
    },
    spec: { type: 'service', owner: 'team-payments' },
  },
];

const ORDERS_KEY = 'sandbox-orders-prod-key-WhJXZcvWo0oYffd3';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'check schedule on %s',
  databaseId => {
    let sandbox: RunningSandbox;

    beforeEach(async () => {
      sandbox = await startSandbox({ port: 0 });
    });
    afterEach(async () => {
      await sandbox.stop();
    });

    async function start(checkInterval: object) {
      return startPluginBackend({
        knex: await databases.init(databaseId),
        entities,
        config: demoSandboxConfig(sandbox.url, { checkInterval }),
      });
    }

    const statusOf = async (server: any, name: string) =>
      (
        await request(server)
          .get(`${API}/entities/default/component/${name}/credentials`)
          .set('Authorization', mockCredentials.user.header())
      ).body.items[0];

    const upstreamCalls = () =>
      Object.fromEntries(
        Object.entries(sandbox.faults.counters().calls).filter(
          ([, n]) => n > 0,
        ),
      );

    it('a pass over bindings that are not due calls neither Apigee nor AWS', async () => {
      const { runPass } = await start({ hours: 1 });
      await runPass(); // new bindings: checked and adopted at once
      expect(upstreamCalls()).not.toEqual({});

      sandbox.faults.resetCounters();
      await runPass();
      await runPass();
      expect(upstreamCalls()).toEqual({});
    });

    it('finds drift within one check interval, reading a secret value only where AWSCURRENT moved', async () => {
      const { server, runPass } = await start({
        milliseconds: CHECK_INTERVAL_MS,
      });
      await runPass();
      expect((await statusOf(server, 'orders-service')).status).toBe('ok');

      // Nothing changed: one check each, from metadata and the app.
      await new Promise(r => setTimeout(r, CHECK_INTERVAL_MS * 1.3));
      sandbox.faults.resetCounters();
      await runPass();
      expect(upstreamCalls()).toMatchObject({
        'secretsmanager.DescribeSecret': 2,
        'apigee.apps.get': 2,
      });
      expect(upstreamCalls()['secretsmanager.GetSecretValue']).toBeUndefined();

      // Outside the plugin: the orders key is revoked in Apigee, and the payments secret is
      // given a key that Apigee does not know.
      sandbox.apigee.setKeyStatus(
        'acme-edge',
        'orders-team@example.com',
        'orders-service',
        ORDERS_KEY,
        'revoke',
      );
      const sm = new SecretsManagerClient({
        endpoint: sandbox.url,
        region: 'eu-west-1',
        credentials: {
          accessKeyId: DEMO_ACCESS_KEY,
          secretAccessKey: 'sandbox',
        },
      });
      await sm.send(
        new PutSecretValueCommand({
          SecretId: 'payments-service/apigee-prod',
          SecretString: JSON.stringify({
            consumerKey: 'pasted-by-hand-key-0000000000000',
            consumerSecret: 'pasted-by-hand-secret-000000000',
          }),
        }),
      );

      await new Promise(r => setTimeout(r, CHECK_INTERVAL_MS * 1.3));
      sandbox.faults.resetCounters();
      await runPass();
      const orders = await statusOf(server, 'orders-service');
      expect(orders.status).toBe('drift');
      expect(orders.statusReason).toContain('revoked');
      const payments = await statusOf(server, 'payments-service');
      expect(payments.status).toBe('drift');
      expect(payments.statusReason).toContain('replaced outside the plugin');
      // Only the secret whose AWSCURRENT moved was read.
      expect(upstreamCalls()['secretsmanager.GetSecretValue']).toBe(1);
    });

    it('"check now" looks at once, not after the interval; a repeat within seconds answers from what is stored; both are audited', async () => {
      const { server, runPass, auditor } = await start({ hours: 1 });
      await runPass();
      sandbox.apigee.setKeyStatus(
        'acme-edge',
        'orders-team@example.com',
        'orders-service',
        ORDERS_KEY,
        'revoke',
      );
      // A pass does not look: the next check is an hour away.
      await runPass();
      expect((await statusOf(server, 'orders-service')).status).toBe('ok');

      const path = `${API}/entities/default/component/orders-service/credentials/prod/check`;
      const checked = await request(server)
        .post(path)
        .set('Authorization', mockCredentials.user.header());
      expect(checked.status).toBe(200);
      expect(checked.body.status).toBe('drift');

      sandbox.faults.resetCounters();
      const again = await request(server)
        .post(path)
        .set('Authorization', mockCredentials.user.header());
      expect(again.body.status).toBe('drift');
      expect(upstreamCalls()).toEqual({});

      const events = auditor.createEvent.mock.calls.map(c => c[0].eventId);
      expect(events.filter(e => e === 'credential-check')).toHaveLength(2);
    });
  },
);
