/*
 * Issue 7, end to end: the apigee-consumer template runs through the real scaffolder
 * backend, with the real catalog, permission backend (portal policy), apigee-credentials
 * plugin and scaffolder module, a real scheduler and database, against the sandbox.
 * Afterwards the new secret is AWSCURRENT and its key passes the sandbox gateway, and the
 * new component is in the catalog with an `ok` credential binding.
 */
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import {
  mockServices,
  startTestBackend,
  TestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import authModuleGuestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { RunningSandbox, startSandbox } from '@keyrotation/apigee-sandbox';
import apigeeCredentialsPlugin from '@keyrotation/backstage-plugin-apigee-credentials-backend';
import scaffolderModuleApigeeCredentials from '@keyrotation/backstage-plugin-scaffolder-backend-module-apigee-credentials';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { permissionModulePortalPolicy } from './permissions/module';

jest.setTimeout(240_000);

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const USER = 'user:default/guest';
const TEAM = 'group:default/team-orders';
const examples = path.resolve(__dirname, '../../../examples');
const templateDir = path.resolve(
  __dirname,
  '../../../plugins/scaffolder-backend-module-apigee-credentials/templates/apigee-consumer',
);

const values = (name: string) => ({
  name,
  description: 'Takes the money',
  owner: TEAM,
  provider: 'acme-edge',
  developer: 'orders-team@example.com',
  apiProducts: ['orders-api'],
  environments: ['prod'],
  accountId: ACCOUNT,
  region: REGION,
  maxAge: '90d',
});

/** Calls that change Apigee or Secrets Manager state. */
const MUTATIONS = [
  'apigee.developers.create',
  'apigee.apps.create',
  'apigee.apps.delete',
  'apigee.apps.generateKey',
  'apigee.keys.create',
  'apigee.keys.update',
  'apigee.keys.delete',
  'secretsmanager.CreateSecret',
  'secretsmanager.PutSecretValue',
  'secretsmanager.UpdateSecretVersionStage',
  'secretsmanager.DeleteSecret',
];

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}

const PG_CONNECTION_ENV =
  'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';
if (
  process.env.APIGEE_CREDENTIALS_REQUIRE_POSTGRES === '1' &&
  !process.env[PG_CONNECTION_ENV]
) {
  throw new Error(
    `APIGEE_CREDENTIALS_REQUIRE_POSTGRES=1 but ${PG_CONNECTION_ENV} is not set`,
  );
}
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/**
 * `backend.database` for the whole backend: SQLite in memory (one database per plugin, as
 * in the demo portal), or one fresh PostgreSQL database with a schema per plugin.
 */
async function databaseConfig(id: TestDatabaseId) {
  if (id === 'SQLITE_3') {
    return {
      config: { client: 'better-sqlite3', connection: ':memory:' },
      release: async () => {},
    };
  }
  const knex = await databases.init(id);
  return {
    config: {
      client: 'pg',
      connection: knex.client.config.connection,
      pluginDivisionMode: 'schema',
    },
    // Closes what the stopped backend left open, so TestDatabases can drop the database.
    release: async () => {
      await knex.raw(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
    },
  };
}

describe.each(databases.eachSupportedId())(
  'apigee-consumer template, end to end, on %s',
  databaseId => {
    let sandbox: RunningSandbox;
    let backend: TestBackend;
    let generated: string;
    let workDir: string;
    let userToken: string;
    let releaseDatabase = async () => {};

    /** Calls the test backend as the demo's guest user. */
    async function api(
      urlPath: string,
      init: { method?: string; json?: unknown } = {},
    ): Promise<{ status: number; body: any; text: string }> {
      const response = await fetch(
        `http://localhost:${backend.server.port()}${urlPath}`,
        {
          method: init.method ?? 'GET',
          headers: {
            Authorization: `Bearer ${userToken}`,
            ...(init.json === undefined
              ? {}
              : { 'Content-Type': 'application/json' }),
          },
          body: init.json === undefined ? undefined : JSON.stringify(init.json),
        },
      );
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      return { status: response.status, body, text };
    }

    const mutationCount = () => {
      const { calls } = sandbox.faults.counters();
      return MUTATIONS.reduce((sum, key) => sum + (calls[key] ?? 0), 0);
    };

    beforeAll(async () => {
      sandbox = await startSandbox({ port: 0, propagationDelayMs: 0 });
      // The demo's developers carry their team, as the default seed marks them.
      for (const [developer, team] of [
        ['orders-team@example.com', TEAM],
        ['payments-team@example.com', 'group:default/team-payments'],
      ]) {
        sandbox.apigee.getDeveloper('acme-edge', developer).attributes = [
          { name: 'apigee-credentials-owner', value: team },
        ];
      }
      generated = await fs.mkdtemp(path.join(os.tmpdir(), 'kr-e2e-generated-'));
      workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kr-e2e-scaffolder-'));

      const database = await databaseConfig(databaseId);
      releaseDatabase = database.release;
      backend = await startTestBackend({
        features: [
          catalogPlugin,
          catalogModuleScaffolderEntityModel,
          scaffolderPlugin,
          permissionPlugin,
          permissionModulePortalPolicy,
          notificationsPlugin,
          apigeeCredentialsPlugin,
          scaffolderModuleApigeeCredentials,
          authPlugin,
          authModuleGuestProvider,
          // Real sign-in, service-to-service tokens and permission checks (through the
          // permission backend), and a real scheduler.
          authServiceFactory,
          httpAuthServiceFactory,
          userInfoServiceFactory,
          permissionsServiceFactory,
          schedulerServiceFactory,
          // E2E_LOG_LEVEL=debug shows the backend's logs when the test needs debugging.
          mockServices.rootLogger.factory({
            level: (process.env.E2E_LOG_LEVEL as 'debug' | undefined) ?? 'none',
          }),
          mockServices.rootConfig.factory({
            data: {
              app: { baseUrl: 'http://localhost:3000' },
              backend: {
                database: database.config,
                workingDirectory: workDir,
              },
              auth: {
                providers: {
                  // The demo's sign-in: guest is a member of team-orders (examples/org.yaml).
                  guest: {
                    userEntityRef: USER,
                    dangerouslyAllowOutsideDevelopment: true,
                  },
                },
              },
              permission: { enabled: true },
              portal: {
                permissions: {
                  adminEntityRefs: ['group:default/platform-admins'],
                },
              },
              catalog: {
                rules: [{ allow: ['Component', 'API', 'Location'] }],
                locations: [
                  {
                    type: 'file',
                    target: path.join(examples, 'org.yaml'),
                    rules: [{ allow: ['User', 'Group'] }],
                  },
                  {
                    type: 'file',
                    target: path.join(templateDir, 'template.yaml'),
                    rules: [{ allow: ['Template'] }],
                  },
                  {
                    type: 'file',
                    target: path.join(generated, '*/*/catalog-info.yaml'),
                    rules: [
                      { allow: ['Component', 'API', 'Resource', 'System'] },
                    ],
                  },
                ],
              },
              scaffolder: {
                apigeeCredentials: { localCatalogDirectory: generated },
              },
              aws: {
                accounts: [
                  {
                    accountId: ACCOUNT,
                    accessKeyId: 'TESTSANDBOX111111111',
                    secretAccessKey: 'sandbox',
                  },
                ],
              },
              apigeeCredentials: {
                providers: [
                  {
                    name: 'acme-edge',
                    type: 'edge',
                    organization: 'acme-edge',
                    baseUrl: sandbox.url,
                    auth: {
                      type: 'oauth',
                      tokenUrl: `${sandbox.url}/oauth/token`,
                      username: 'admin@example.com',
                      password: 'sandbox-admin-password',
                    },
                  },
                ],
                aws: { allowedAccountIds: [ACCOUNT], endpoint: sandbox.url },
                provisioning: {
                  allowedApiProducts: { 'acme-edge': ['orders-api'] },
                },
                probeHosts: [
                  {
                    name: 'sandbox-gateway',
                    baseUrl: `${sandbox.url}/gateway`,
                    pathPrefixes: ['/acme-edge/orders'],
                  },
                ],
                rotation: { keyPropagationDelay: { seconds: 0 } },
                // Frequent passes: the new component's binding is synced within seconds.
                schedule: {
                  frequency: { seconds: 2 },
                  timeout: { minutes: 1 },
                  initialDelay: { seconds: 1 },
                },
              },
            },
          }),
        ],
      });

      // Signs in as the demo does: the guest provider, resolved against the catalog's user.
      userToken = await waitFor(
        'a guest sign-in with team-orders',
        async () => {
          const res = await fetch(
            `http://localhost:${backend.server.port()}/api/auth/guest/refresh`,
            { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
          );
          const body = await res.json();
          const identity = body.backstageIdentity;
          if (!identity?.identity?.ownershipEntityRefs?.includes(TEAM)) {
            throw new Error(
              `${res.status} ${JSON.stringify(identity?.identity)}`,
            );
          }
          return identity.token as string;
        },
      );

      await waitFor('the template in the catalog', async () => {
        const res = await api(
          '/api/catalog/entities/by-name/template/default/apigee-consumer',
        );
        if (res.status !== 200) throw new Error(`${res.status} ${res.text}`);
        return res.body;
      });
    });

    afterAll(async () => {
      await backend?.stop();
      // Lets a scaffolder poll already in flight finish before its connection is closed.
      await new Promise(r => setTimeout(r, 2000));
      await releaseDatabase();
      await sandbox?.stop();
      for (const dir of [generated, workDir]) {
        if (dir) await fs.rm(dir, { recursive: true, force: true });
      }
    });

    async function runTask(name: string, overrides: object = {}) {
      const created = await api('/api/scaffolder/v2/tasks', {
        method: 'POST',
        json: {
          templateRef: 'template:default/apigee-consumer',
          values: { ...values(name), ...overrides },
        },
      });
      expect(created.status).toBe(201);
      const taskId: string = created.body.id;
      const task = await waitFor(
        'the scaffolder task to finish',
        async () => {
          const res = await api(`/api/scaffolder/v2/tasks/${taskId}`);
          return ['completed', 'failed', 'cancelled'].includes(res.body?.status)
            ? res
            : undefined;
        },
        120_000,
      );
      const events = await api(`/api/scaffolder/v2/tasks/${taskId}/events`);
      return { taskId, task, events };
    }

    it('provisions the key and secret, publishes the component, and the binding is ok', async () => {
      const { task, events } = await runTask('checkout-service');
      const log = (events.body as { type: string; body: any }[])
        .filter(e => e.type === 'log')
        .map(e => e.body.message)
        .join('\n');
      expect({ status: task.body.status, log }).toMatchObject({
        status: 'completed',
      });

      // The secret: created in the sandbox, its current version holds the new key pair.
      const current = sandbox.secrets.getSecretValue(
        { accountId: ACCOUNT, region: REGION },
        { SecretId: 'checkout-service/apigee-prod' },
      );
      expect(current.VersionStages).toContain('AWSCURRENT');
      const { consumerKey, consumerSecret } = JSON.parse(
        current.SecretString as string,
      );
      expect(consumerKey).toEqual(expect.any(String));
      expect(consumerSecret).toEqual(expect.any(String));

      // ... and the gateway accepts that key for the proxy of the chosen product.
      const gateway = await fetch(`${sandbox.url}/gateway/acme-edge/orders`, {
        headers: { 'x-apikey': consumerKey },
      });
      expect(gateway.status).toBe(200);
      expect(await gateway.json()).toMatchObject({
        ok: true,
        app: 'checkout-service',
        developer: 'orders-team@example.com',
      });

      // No key material anywhere the scaffolder shows or stores: task, log, output.
      const completion = (events.body as { type: string; body: any }[]).find(
        e => e.type === 'completion',
      );
      expect(completion?.body.output).toBeDefined();
      const published = await fs.readFile(
        path.join(generated, 'default/checkout-service/catalog-info.yaml'),
        'utf8',
      );
      for (const text of [task.text, events.text, published]) {
        expect(text).not.toContain(consumerKey);
        expect(text).not.toContain(consumerSecret);
      }

      // The component is in the catalog, with the binding annotation.
      // publish-local asks the catalog to re-read the location at once: seconds, not the
      // next processing round. The task log says when it found no location to refresh.
      const entity = await waitFor(
        `the new component in the catalog (task log:\n${log})`,
        async () => {
          const res = await api(
            '/api/catalog/entities/by-name/component/default/checkout-service',
          );
          return res.status === 200 ? res.body : undefined;
        },
      );
      expect(entity.spec.owner).toBe(TEAM);
      expect(Object.keys(entity.metadata.annotations)).toContain(
        'apigee.keyrotation.dev/prod',
      );
      expect(JSON.stringify(entity)).not.toContain(consumerKey);

      // The plugin's scheduled pass picks the binding up from the catalog: status ok.
      const credentials = await waitFor(
        'an ok binding of the new component',
        async () => {
          const res = await api(
            '/api/apigee-credentials/v1/entities/default/component/checkout-service/credentials',
          );
          return res.status === 200 && res.body.items?.[0]?.status === 'ok'
            ? res
            : undefined;
        },
      );
      expect(credentials.body.items).toHaveLength(1);
      expect(credentials.body.items[0]).toMatchObject({
        environment: 'prod',
        status: 'ok',
      });
      expect(credentials.text).not.toContain(consumerKey);
      expect(credentials.text).not.toContain(consumerSecret);
    });

    it.each([
      [
        'for another team',
        { owner: 'group:default/team-payments' },
        /team-payments is not one of yours/,
      ],
      [
        "under another team's developer",
        { developer: 'payments-team@example.com' },
        /payments-team@example\.com does not belong to group:default\/team-orders/,
      ],
    ])(
      'refuses, as the guest, to provision %s, and publishes nothing',
      async (what, overrides, reason) => {
        const name = `refused-${what.replace(/\W+/g, '-')}`.slice(0, 40);
        const before = mutationCount();
        const { task, events } = await runTask(name, overrides);
        const log = (events.body as { type: string; body: any }[])
          .filter(e => e.type === 'log')
          .map(e => e.body.message)
          .join('\n');
        expect(task.body.status).toBe('failed');
        expect(log).toMatch(reason);
        expect(mutationCount()).toBe(before);
        await expect(
          fs.stat(path.join(generated, `default/${name}`)),
        ).rejects.toThrow();
      },
    );

    it('changes nothing in a dry run', async () => {
      const template = (
        await api(
          '/api/catalog/entities/by-name/template/default/apigee-consumer',
        )
      ).body;
      const skeleton = path.join(templateDir, 'skeleton');
      const files = await fs.readdir(skeleton);
      const directoryContents = await Promise.all(
        files.map(async file => ({
          path: `skeleton/${file}`,
          base64Content: (
            await fs.readFile(path.join(skeleton, file))
          ).toString('base64'),
        })),
      );
      const before = mutationCount();

      const res = await api('/api/scaffolder/v2/dry-run', {
        method: 'POST',
        json: {
          template,
          values: values('dry-run-service'),
          directoryContents,
        },
      });

      expect(res.status).toBe(200);
      const log = (res.body.log as { body: { message: string } }[])
        .map(entry => entry.body.message)
        .join('\n');
      expect(res.body.steps.map((s: { id: string }) => s.id)).toEqual([
        'provision',
        'template',
        'publish',
      ]);
      expect(log).toMatch(/would create/i);
      expect(mutationCount()).toBe(before);
      expect(
        sandbox.secrets.inspectSecret(
          ACCOUNT,
          REGION,
          'dry-run-service/apigee-prod',
        ),
      ).toBeUndefined();
      expect(() =>
        sandbox.apigee.getApp(
          'acme-edge',
          'orders-team@example.com',
          'dry-run-service',
        ),
      ).toThrow();
      await expect(
        fs.stat(path.join(generated, 'default/dry-run-service')),
      ).rejects.toThrow();
    });
  },
);
