import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { RunningSandbox, startSandbox } from '@keyrotation/apigee-sandbox';
import request from 'supertest';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createTestDatabases } from './__testUtils__/databases';
import { markDeveloper } from './__testUtils__/ownershipFixtures';
import { startPluginBackend } from './__testUtils__/pluginBackend';

jest.setTimeout(120_000);

const ACCOUNT = '111111111111';
const ACCESS_KEY = 'TESTSANDBOX111111111';
const API = '/api/apigee-credentials/v1';

const annotation = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

const edge = {
  provider: 'acme-edge',
  account: `'${ACCOUNT}'`,
  region: 'eu-west-1',
};

// A weekday that is not today, so a window on it is closed now.
const closedDay = ['Mon', 'Tue'][new Date().getUTCDay() === 1 ? 1 : 0];

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
          maxAge: '90d',
        }),
        'apigee.keyrotation.dev/broken': 'provider: [not yaml',
        'apigee.keyrotation.dev/unknown-provider': annotation({
          ...edge,
          provider: 'nope',
          developer: 'orders-team@example.com',
          app: 'orders-service',
          secret: 'orders-service/apigee-prod',
        }),
        'apigee.keyrotation.dev/foreign-account': annotation({
          ...edge,
          account: "'222222222222'",
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
        // Due (1 s max age) but its window is closed today.
        'apigee.keyrotation.dev/prod': annotation({
          ...edge,
          developer: 'payments-team@example.com',
          app: 'payments-service',
          secret: 'payments-service/apigee-prod',
          maxAge: '1s',
          window: `${closedDay} 00:00-23:59 UTC`,
        }),
        // Due and no window: the scheduled pass rotates it.
        'apigee.keyrotation.dev/prod-x': annotation({
          ...edge,
          provider: 'acme-x',
          developer: 'payments-team@example.com',
          app: 'payments-service',
          secret: 'payments-service/apigee-x',
          maxAge: '1s',
        }),
      },
    },
    spec: { type: 'service', owner: 'group:default/team-payments' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'plain-service', namespace: 'default' },
    spec: { type: 'service', owner: 'team-orders' },
  },
];

const databases = createTestDatabases();

// Responses are checked against the OpenAPI document; its schemas forbid extra fields,
// so nothing beyond identifiers, fingerprints and times can slip into a response.
const openapi = parseYaml(
  readFileSync(resolve(__dirname, 'schema/openapi.yaml'), 'utf8'),
);
const ajv = new Ajv({ strict: false });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: openapi.components });
function expectSchema(schema: string, value: unknown) {
  const validate = ajv.getSchema(`openapi#/components/schemas/${schema}`)!;
  expect(validate(value) ? [] : validate.errors).toEqual([]);
}

describe.each(databases.eachSupportedId())(
  'apigeeCredentialsPlugin on %s',
  databaseId => {
    let sandbox: RunningSandbox;

    beforeAll(async () => {
      sandbox = await startSandbox({ port: 0 });
      markDeveloper(
        sandbox,
        'acme-edge',
        'orders-team@example.com',
        'group:default/team-orders',
      );
    });
    afterAll(async () => {
      await sandbox.stop();
    });

    async function start(options?: {
      denyRotate?: boolean;
      denyProvision?: boolean;
      schedule?: object;
    }) {
      const knex = await databases.init(databaseId);
      const started = await startPluginBackend({
        knex,
        entities,
        // Olivia is in team-orders, and nobody is an apigee-credentials admin.
        memberships: {
          'user:default/olivia': [
            'user:default/olivia',
            'group:default/team-orders',
          ],
          'user:default/oscar': [
            'user:default/oscar',
            'group:default/team-orders',
          ],
        },
        allow: permission =>
          permission.name !== 'apigee-credentials.admin' &&
          !(options?.denyRotate && permission.name.endsWith('.rotate')) &&
          !(options?.denyProvision && permission.name.endsWith('.provision')),
        config: {
          aws: {
            accounts: [
              {
                accountId: ACCOUNT,
                accessKeyId: ACCESS_KEY,
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
                  type: 'basic',
                  username: 'admin@example.com',
                  password: 'sandbox-admin-password',
                },
              },
              {
                name: 'acme-x',
                type: 'x',
                organization: 'acme-x',
                baseUrl: sandbox.url,
                auth: { type: 'accessToken', token: 'sandbox-acme-x-token' },
              },
            ],
            aws: { allowedAccountIds: [ACCOUNT], endpoint: sandbox.url },
            rotation: {
              keyPropagationDelay: { seconds: 0 },
              gracePeriod: { minutes: 10 },
              // Bindings here use `maxAge: 1s` to be due at once.
              minimumMaxAge: { seconds: 1 },
              minimumGracePeriod: { minutes: 10 },
            },
            manualRotationCooldown: { minutes: 5 },
            provisioning: {
              allowedApiProducts: { 'acme-edge': ['orders-api'] },
            },
            notifications: { onSuccess: true },
            ...(options?.schedule && { schedule: options.schedule }),
          },
        },
      });
      return { ...started, knex, sent: started.notifications };
    }

    it('syncs bindings from the catalog and reports bad ones as misconfigured, with reasons', async () => {
      const { server, runPass } = await start();
      await runPass();
      const res = await request(server)
        .get(`${API}/entities/default/component/orders-service/credentials`)
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      const byEnv = Object.fromEntries(
        res.body.items.map((i: any) => [i.environment, i]),
      );
      expect(Object.keys(byEnv).sort()).toEqual([
        'broken',
        'foreign-account',
        'prod',
        'unknown-provider',
      ]);
      for (const item of res.body.items)
        expectSchema('CredentialSummary', item);
      expect(byEnv.prod).toMatchObject({
        status: 'ok',
        provider: 'acme-edge',
        keyFingerprint: expect.stringMatching(/^sha256:/),
        ageDays: 0,
        maxAgeDays: 90,
      });
      expect(byEnv.broken).toMatchObject({
        status: 'misconfigured',
        statusReason: expect.stringContaining('not valid YAML'),
      });
      expect(byEnv['unknown-provider'].statusReason).toContain(
        'No key provider named nope',
      );
      expect(byEnv['foreign-account'].status).toBe('misconfigured');
      expect(byEnv['foreign-account'].statusReason).toContain('222222222222');

      // An entity without bindings answers with an empty list.
      const plain = await request(server)
        .get(`${API}/entities/default/component/plain-service/credentials`)
        .set('Authorization', mockCredentials.user.header());
      expect(plain.body).toEqual({ items: [] });
    });

    it('rotates only due credentials inside their window on a scheduled pass', async () => {
      const { server, runPass, sent } = await start();
      await runPass(); // adopts every binding: birth = issue time of the current key
      await new Promise(r => setTimeout(r, 1100));
      await runPass();
      const res = await request(server)
        .get(`${API}/entities/default/component/payments-service/credentials`)
        .set('Authorization', mockCredentials.user.header());
      const byEnv = Object.fromEntries(
        res.body.items.map((i: any) => [i.environment, i]),
      );
      expect(byEnv['prod-x'].lastRotation).toMatchObject({
        status: 'succeeded',
        trigger: 'schedule',
      });
      expect(byEnv.prod.lastRotation).toBeUndefined();
      expect(byEnv.prod.status).toBe('overdue');
      // The owner is reminded of the credential left overdue, not of the one just rotated.
      const scopes = sent.map((n: any) => n.payload.scope);
      const overdue = scopes.filter((s: string) => s.endsWith(':overdue'));
      expect(overdue).toEqual([
        `apigee-credentials:component:default/payments-service#prod:overdue`,
      ]);
      expect(scopes).toContain(
        `apigee-credentials:component:default/payments-service#prod-x:rotated`,
      );
      const orders = await request(server)
        .get(`${API}/entities/default/component/orders-service/credentials`)
        .set('Authorization', mockCredentials.user.header());
      expect(
        orders.body.items.find((i: any) => i.environment === 'prod')
          .lastRotation,
      ).toBeUndefined();
    });

    it('rotates on request, refuses a second request in the cooldown, and reads without upstream calls', async () => {
      const { server, runPass, auditor, sent, knex } = await start();
      await runPass();
      const path = `${API}/entities/default/component/orders-service/credentials/prod`;
      const user = mockCredentials.user.header('user:default/olivia');

      const started = await request(server)
        .post(`${path}/rotate`)
        .set('Authorization', user);
      expect(started.status).toBe(202);
      let rotation: any;
      for (let i = 0; i < 100; i++) {
        rotation = (
          await request(server)
            .get(`${API}/rotations/${started.body.id}`)
            .set('Authorization', user)
        ).body;
        if (rotation.status !== 'running') break;
        await new Promise(r => setTimeout(r, 100));
      }
      expect(rotation).toMatchObject({
        status: 'succeeded',
        actor: 'user:default/olivia',
      });
      expectSchema('RotationSummary', rotation);

      const again = await request(server)
        .post(`${path}/rotate`)
        .set('Authorization', user);
      expect(again.status).toBe(429);
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);

      // Status reads come from the database only.
      sandbox.faults.resetCounters();
      const list = await request(server)
        .get(`${API}/entities/default/component/orders-service/credentials`)
        .set('Authorization', user);
      const fleet = await request(server)
        .get(`${API}/credentials?status=ok`)
        .set('Authorization', user);
      const history = await request(server)
        .get(`${path}/history`)
        .set('Authorization', user);
      expect(list.status).toBe(200);
      expect(fleet.status).toBe(200);
      expect(history.body.items[0].id).toBe(started.body.id);
      expect(fleet.body.items.length).toBeGreaterThan(0); // the loop below checks something
      for (const item of fleet.body.items)
        expectSchema('CredentialSummary', item);
      expect(sandbox.faults.callCount()).toBe(0);

      // An entity's states are read in one batch: two bindings cost what one costs.
      const statements = async (entity: string) => {
        const sql: string[] = [];
        const count = (query: { sql: string }) => sql.push(query.sql);
        knex.on('query', count);
        const response = await request(server)
          .get(`${API}/entities/default/component/${entity}/credentials`)
          .set('Authorization', user);
        knex.off('query', count);
        return { bindings: response.body.items.length, statements: sql.length };
      };
      const one = await statements('orders-service');
      const two = await statements('payments-service');
      expect(two.bindings).toBe(2);
      expect(two.statements).toBe(one.statements);

      // The new secret value appears in no response, notification or audit event.
      const sm = new SecretsManagerClient({
        endpoint: sandbox.url,
        region: 'eu-west-1',
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'sandbox' },
      });
      const value = JSON.parse(
        (
          await sm.send(
            new GetSecretValueCommand({
              SecretId: 'orders-service/apigee-prod',
            }),
          )
        ).SecretString!,
      );
      const everything = JSON.stringify([
        list.body,
        fleet.body,
        history.body,
        rotation,
        sent,
        auditor.createEvent.mock.calls.map(([event]) => ({
          ...event,
          request: undefined,
        })),
      ]);
      expect(sent.length).toBeGreaterThan(0);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'credential-rotate' }),
      );
      expect(everything).not.toContain(value.consumerSecret);
      expect(everything).not.toContain(value.consumerKey);
    });

    it('refuses a rotation the permission policy denies, and unauthenticated calls', async () => {
      const { server, runPass } = await start({ denyRotate: true });
      await runPass();
      sandbox.faults.resetCounters();
      const path = `${API}/entities/default/component/orders-service/credentials/prod/rotate`;
      const denied = await request(server)
        .post(path)
        .set('Authorization', mockCredentials.user.header());
      expect(denied.status).toBe(403);
      const anonymous = await request(server)
        .post(path)
        .set('Authorization', mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
      const misconfigured = await request(server)
        .post(
          `${API}/entities/default/component/orders-service/credentials/broken/rotate`,
        )
        .set('Authorization', mockCredentials.user.header());
      expect(misconfigured.status).toBe(403);
      expect(sandbox.faults.callCount()).toBe(0);
    });

    it('offers status, check and rotation as registered actions, under the same permissions', async () => {
      const { runPass, actionsRegistry, auditor } = await start();
      await runPass();
      const olivia = mockCredentials.user('user:default/olivia');
      const rotated = await actionsRegistry.invoke({
        id: 'test:rotate-credential',
        input: {
          entityRef: 'component:default/orders-service',
          environment: 'prod',
        },
        credentials: olivia,
      });
      expect(rotated.output).toEqual({ rotationId: expect.any(String) });
      const status = await actionsRegistry.invoke({
        id: 'test:get-credential-status',
        input: { entityRef: 'orders-service' },
        credentials: olivia,
      });
      const prod = (status.output as any).credentials.find(
        (c: any) => c.environment === 'prod',
      );
      expect(prod.keyFingerprint).toMatch(/^sha256:/);
      // Every rotation's outcome is audited, whoever started it.
      const outcomeAudited = () =>
        auditor.createEvent.mock.calls.some(
          ([event]) => event.eventId === 'credential-rotation-outcome',
        );
      for (let i = 0; i < 100 && !outcomeAudited(); i++) {
        await new Promise(r => setTimeout(r, 100));
      }
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'credential-rotation-outcome' }),
      );

      const checked = await actionsRegistry.invoke({
        id: 'test:check-credential',
        input: { entityRef: 'orders-service', environment: 'prod' },
        credentials: olivia,
      });
      expect(checked.output).toMatchObject({
        status: expect.stringMatching(/^(ok|rotating)$/),
        checkedAt: expect.any(String),
      });

      const denied = await start({ denyRotate: true });
      await expect(
        denied.actionsRegistry.invoke({
          id: 'test:check-credential',
          input: { entityRef: 'orders-service', environment: 'prod' },
          credentials: olivia,
        }),
      ).rejects.toThrow(/may not rotate/);
      await expect(
        denied.actionsRegistry.invoke({
          id: 'test:rotate-credential',
          input: {
            entityRef: 'component:default/orders-service',
            environment: 'prod',
          },
          credentials: olivia,
        }),
      ).rejects.toThrow(/may not rotate/);
    });

    it('provisions a new consumer over HTTP for a user, once per request id, audited', async () => {
      const { server, auditor } = await start();
      const body = {
        requestId: `plugin-test-${databaseId}`,
        provider: 'acme-edge',
        developer: 'orders-team@example.com',
        app: `provisioned-${databaseId.toLowerCase().replace('_', '')}`,
        apiProducts: ['orders-api'],
        environment: 'prod',
        secret: {
          name: `provisioned/${databaseId.toLowerCase()}`,
          accountId: ACCOUNT,
          region: 'eu-west-1',
        },
        owner: 'group:default/team-orders',
      };
      const user = mockCredentials.user('user:default/olivia');
      const planned = await request(server)
        .post(`${API}/provisions`)
        .set(
          'Authorization',
          mockCredentials.user.header(user.principal.userEntityRef),
        )
        .send({ ...body, dryRun: true });
      expect(planned.status).toBe(200);
      expectSchema('ProvisionResult', planned.body);
      expect(planned.body.created).toEqual({
        app: true,
        key: true,
        secret: true,
      });

      const created = await request(server)
        .post(`${API}/provisions`)
        .set(
          'Authorization',
          mockCredentials.user.header(user.principal.userEntityRef),
        )
        .send(body);
      expect(created.status).toBe(201);
      expectSchema('ProvisionResult', created.body);
      const sm = new SecretsManagerClient({
        endpoint: sandbox.url,
        region: 'eu-west-1',
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'sandbox' },
      });
      const value = JSON.parse(
        (
          await sm.send(
            new GetSecretValueCommand({ SecretId: created.body.secretArn }),
          )
        ).SecretString!,
      );
      const everything = JSON.stringify([
        planned.body,
        created.body,
        auditor.createEvent.mock.calls.map(([event]) => event.meta),
      ]);
      expect(everything).not.toContain(value.consumerKey);
      expect(everything).not.toContain(value.consumerSecret);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'credential-provision',
          meta: expect.objectContaining({ requestId: body.requestId }),
        }),
      );

      const repeated = await request(server)
        .post(`${API}/provisions`)
        .set(
          'Authorization',
          mockCredentials.user.header(user.principal.userEntityRef),
        )
        .send(body);
      expect(repeated.status).toBe(200);
      expect(repeated.body).toEqual(created.body);
      // The request id is Olivia's: another user, of her team too, learns nothing from it.
      const other = await request(server)
        .post(`${API}/provisions`)
        .set('Authorization', mockCredentials.user.header('user:default/oscar'))
        .send(body);
      expect(other.status).toBe(409);
      expect(other.text).not.toContain(created.body.secretArn);
    });

    it('refuses provisioning without the permission, for services, and for bad input', async () => {
      const allowed = await start();
      const denied = await start({ denyProvision: true });
      sandbox.faults.resetCounters();
      const body = {
        requestId: 'refused-request',
        provider: 'acme-edge',
        developer: 'orders-team@example.com',
        app: 'never-made',
        apiProducts: ['orders-api'],
        environment: 'prod',
        secret: { name: 'never/made', accountId: ACCOUNT, region: 'eu-west-1' },
        owner: 'team-orders',
      };
      const post = (
        server: typeof allowed.server,
        header: string,
        data: object,
      ) =>
        request(server)
          .post(`${API}/provisions`)
          .set('Authorization', header)
          .send(data);
      expect(
        (await post(denied.server, mockCredentials.user.header(), body)).status,
      ).toBe(403);
      expect(
        (await post(allowed.server, mockCredentials.service.header(), body))
          .status,
      ).toBe(403);
      expect(
        (await post(allowed.server, mockCredentials.none.header(), body))
          .status,
      ).toBe(401);
      const bad = await post(allowed.server, mockCredentials.user.header(), {
        ...body,
        apiProducts: [],
        secret: { name: 'x', accountId: '42', region: 'eu-west-1' },
        policy: { maxAge: 'soon' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/apiProducts.*secret\.accountId/s);
      expect(sandbox.faults.callCount()).toBe(0);
    });

    it('starts with only some fields of the schedule configured', async () => {
      const { server } = await start({
        schedule: { frequency: { seconds: 30 } },
      });
      const res = await request(server).get('/api/apigee-credentials/health');
      expect(res.status).toBe(200);
    });

    it('answers its health route without credentials', async () => {
      const { server } = await start();
      const res = await request(server).get('/api/apigee-credentials/health');
      expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
    });
  },
);
