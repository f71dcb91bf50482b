/*
 * Self-service provisioning stays inside the caller's team. Each attack below drives the real
 * plugin over HTTP (test backend, real database) against the sandbox with the real AWS SDK,
 * as a user of team-orders who is not an admin.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { RunningSandbox, startSandbox } from '@keyrotation/apigee-sandbox';
import { Knex } from 'knex';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  appAttribute,
  markApp,
  markDeveloper,
} from '../__testUtils__/ownershipFixtures';
import {
  PluginBackend,
  startPluginBackend,
} from '../__testUtils__/pluginBackend';

jest.setTimeout(120_000);

const ACCOUNT = '111111111111';
const ACCESS_KEY = 'TESTSANDBOX111111111';
const REGION = 'eu-west-1';
const API = '/api/apigee-credentials/v1';
const ORDERS = 'group:default/team-orders';
const PAYMENTS = 'group:default/team-payments';
const GUEST = 'user:default/guest';
const OLIVIA = 'user:default/olivia';
const QUOTA_USER = 'user:default/quinn';
const ADMIN = 'user:default/root';
const ORDERS_DEV = 'orders-team@example.com';
const PAYMENTS_DEV = 'payments-team@example.com';

const memberships = {
  [GUEST]: [GUEST, ORDERS],
  [OLIVIA]: [OLIVIA, ORDERS],
  [QUOTA_USER]: [QUOTA_USER, ORDERS],
  [ADMIN]: [ADMIN, 'group:default/platform-admins'],
};

const binding = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'orders-service',
      annotations: {
        'apigee.keyrotation.dev/prod': binding({
          provider: 'acme-edge',
          developer: ORDERS_DEV,
          app: 'orders-service',
          secret: 'orders-service/apigee-prod',
          account: `'${ACCOUNT}'`,
          region: REGION,
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
      annotations: {
        'apigee.keyrotation.dev/prod': binding({
          provider: 'acme-edge',
          developer: PAYMENTS_DEV,
          app: 'payments-service',
          secret: 'payments-service/apigee-prod',
          account: `'${ACCOUNT}'`,
          region: REGION,
        }),
      },
    },
    spec: { type: 'service', owner: PAYMENTS },
  },
];

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'provisioning stays inside the caller team on %s',
  databaseId => {
    const tag = databaseId.toLowerCase().replace('_', '');
    let sandbox: RunningSandbox;
    let knex: Knex;
    let plugin: PluginBackend;
    let sm: SecretsManagerClient;
    let counter = 0;

    const config = (quota?: number) => ({
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
          ['acme-edge', 'acme-edge'],
          // The same organisation under a name with no allow-listed product.
          ['acme-edge-unlisted', 'acme-edge'],
        ]
          .map(([name, organization]) => ({
            name,
            type: 'edge',
            organization,
            baseUrl: sandbox.url,
            auth: {
              type: 'basic',
              username: 'admin@example.com',
              password: 'sandbox-admin-password',
            },
          }))
          .concat([
            {
              name: 'acme-x',
              type: 'x',
              organization: 'acme-x',
              baseUrl: sandbox.url,
              auth: {
                type: 'accessToken',
                token: 'sandbox-acme-x-token',
              } as any,
            },
          ]),
        aws: { allowedAccountIds: [ACCOUNT], endpoint: sandbox.url },
        rotation: { keyPropagationDelay: { seconds: 0 } },
        provisioning: {
          allowedApiProducts: {
            // The manual-approval product is listed: the list does not bypass approval.
            'acme-edge': ['orders-api', 'payments-api', 'payments-admin-api'],
            'acme-x': ['payments-api'],
          },
        },
        ...(quota !== undefined && {
          quotas: { provisionsPerUserPerHour: quota },
        }),
      },
    });

    const start = (db: Knex, quota?: number) =>
      startPluginBackend({
        knex: db,
        entities,
        memberships,
        // Only root holds apigee-credentials.admin; everything else is allowed.
        allow: (permission, credentials) =>
          permission.name !== 'apigee-credentials.admin' ||
          (credentials?.principal as { userEntityRef?: string })
            ?.userEntityRef === ADMIN,
        config: config(quota),
      });

    beforeAll(async () => {
      sandbox = await startSandbox({ port: 0, propagationDelayMs: 0 });
      // Each team's developer and app are marked as an Apigee admin would mark them.
      markDeveloper(sandbox, 'acme-edge', ORDERS_DEV, ORDERS);
      markDeveloper(sandbox, 'acme-edge', PAYMENTS_DEV, PAYMENTS);
      markDeveloper(sandbox, 'acme-x', PAYMENTS_DEV, PAYMENTS);
      markApp(sandbox, 'acme-edge', ORDERS_DEV, 'orders-service', ORDERS);
      markApp(sandbox, 'acme-edge', PAYMENTS_DEV, 'payments-service', PAYMENTS);
      markApp(sandbox, 'acme-x', PAYMENTS_DEV, 'payments-service', PAYMENTS);
      sm = new SecretsManagerClient({
        endpoint: sandbox.url,
        region: REGION,
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'sandbox' },
      });
      knex = await databases.init(databaseId);
      plugin = await start(knex);
      await plugin.runPass(); // the catalog's bindings are in the plugin's tables
    });
    afterAll(async () => {
      await sandbox?.stop();
    });
    afterEach(() => sandbox.faults.clearRules());

    /** A provision of a new app and a new secret for team-orders, as the guest sends it. */
    function body(overrides: Record<string, unknown> = {}) {
      counter += 1;
      const app = `trust-${tag}-${counter}`;
      return {
        requestId: `trust:${tag}:${counter}`,
        provider: 'acme-edge',
        developer: ORDERS_DEV,
        app,
        apiProducts: ['orders-api'],
        environment: 'prod',
        secret: {
          name: `${app}/apigee-prod`,
          accountId: ACCOUNT,
          region: REGION,
        },
        owner: ORDERS,
        ...overrides,
      };
    }

    const post = (user: string, data: object, on = plugin) =>
      request(on.server)
        .post(`${API}/provisions`)
        .set('Authorization', mockCredentials.user.header(user))
        .send(data);

    const keysOf = (org: string, developer: string, app: string) =>
      sandbox.apigee.getApp(org, developer, app).app.credentials.length;
    const appExists = (org: string, developer: string, app: string) => {
      try {
        sandbox.apigee.getApp(org, developer, app);
        return true;
      } catch {
        return false;
      }
    };
    const secretExists = (name: string) =>
      sandbox.secrets.toJSON().secrets.some(s => s.name === name);

    /** The error of the last credential-provision audit event, which must have failed. */
    async function lastAuditFailure(on = plugin): Promise<Error> {
      const calls = on.auditor.createEvent.mock.calls;
      const index = calls.length - 1;
      expect(calls[index][0]).toMatchObject({
        eventId: 'credential-provision',
      });
      const event = await on.auditor.createEvent.mock.results[index].value;
      expect(event.success).not.toHaveBeenCalled();
      expect(event.fail).toHaveBeenCalledTimes(1);
      return event.fail.mock.calls[0][0].error;
    }

    it('refuses a new key in another team’s live app, whatever owner the caller names', async () => {
      const keysBefore = keysOf('acme-edge', PAYMENTS_DEV, 'payments-service');
      const data = body({
        developer: PAYMENTS_DEV,
        app: 'payments-service',
        apiProducts: ['payments-api'],
      });
      const res = await post(GUEST, data);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(
        `Apigee developer ${PAYMENTS_DEV} does not belong to ${ORDERS}`,
      );
      expect(keysOf('acme-edge', PAYMENTS_DEV, 'payments-service')).toBe(
        keysBefore,
      );
      expect(secretExists(data.secret.name)).toBe(false);
      expect((await lastAuditFailure()).message).toContain('does not belong');
    });

    it('refuses a new app under another team’s Apigee developer', async () => {
      const data = body({
        developer: PAYMENTS_DEV,
        apiProducts: ['payments-api'],
      });
      const res = await post(GUEST, data);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(
        /does not belong to group:default\/team-orders.*Use your team's developer/,
      );
      expect(appExists('acme-edge', PAYMENTS_DEV, data.app)).toBe(false);
      await lastAuditFailure();
    });

    it('refuses an owner group the caller is not a member of, before any Apigee or AWS call', async () => {
      sandbox.faults.resetCounters();
      const res = await post(GUEST, body({ owner: PAYMENTS }));
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(
        /only for a group you belong to.*group:default\/team-payments is not one of yours/,
      );
      expect(sandbox.faults.callCount()).toBe(0);
      await lastAuditFailure();
      // A user ref is not a team either.
      const self = await post(GUEST, body({ owner: GUEST }));
      expect(self.status).toBe(403);
    });

    it('never has the plugin approve a manual-approval product for a non-admin; undoes the attempt', async () => {
      const data = body({ apiProducts: ['payments-admin-api'] });
      const res = await post(GUEST, data);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(
        /API product payments-admin-api needs manual approval.*Ask an admin/,
      );
      expect(appExists('acme-edge', ORDERS_DEV, data.app)).toBe(false);
      expect(secretExists(data.secret.name)).toBe(false);
      await lastAuditFailure();

      // An admin may: the association is approved.
      const admin = body({ apiProducts: ['payments-admin-api'] });
      const ok = await post(ADMIN, admin);
      expect(ok.status).toBe(201);
      const [key] = sandbox.apigee.getApp('acme-edge', ORDERS_DEV, admin.app)
        .app.credentials;
      expect(key.apiProducts).toEqual([
        expect.objectContaining({
          apiproduct: 'payments-admin-api',
          status: 'approved',
        }),
      ]);
    });

    it('allows only allow-listed API products, per provider, before any Apigee or AWS call', async () => {
      sandbox.faults.resetCounters();
      const unlisted = await post(
        GUEST,
        body({ provider: 'acme-edge-unlisted' }),
      );
      expect(unlisted.status).toBe(403);
      expect(unlisted.body.error.message).toContain(
        'apigeeCredentials.provisioning.allowedApiProducts.acme-edge-unlisted is not configured',
      );
      const other = await post(
        GUEST,
        body({ provider: 'acme-x', apiProducts: ['orders-api'] }),
      );
      expect(other.status).toBe(403);
      expect(other.body.error.message).toMatch(
        /API product orders-api may not be provisioned through acme-x; allowed: payments-api/,
      );
      expect(sandbox.faults.callCount()).toBe(0);
      await lastAuditFailure();
    });

    it('keeps a request id to its first caller, and tells another user nothing of it', async () => {
      const data = body();
      const first = await post(GUEST, data);
      expect(first.status).toBe(201);
      // Both new targets carry the owner group.
      expect(appAttribute(sandbox, 'acme-edge', ORDERS_DEV, data.app)).toBe(
        ORDERS,
      );
      const secret = sandbox.secrets
        .toJSON()
        .secrets.find(s => s.name === data.secret.name)!;
      expect(secret.tags).toContainEqual({
        Key: 'apigee-credentials:owner',
        Value: ORDERS,
      });

      const stolen = await post(OLIVIA, data);
      expect(stolen.status).toBe(409);
      expect(stolen.body.error.message).toMatch(
        /is taken; use a new request id/,
      );
      expect(stolen.text).not.toContain(first.body.secretArn);
      expect(stolen.text).not.toContain(first.body.keyFingerprint);
      await lastAuditFailure();
      // Other input under the same id tells nothing either.
      const probed = await post(OLIVIA, {
        ...data,
        apiProducts: ['payments-api'],
      });
      expect(probed.status).toBe(409);
      expect(probed.body.error.message).not.toMatch(/other input/);

      const repeated = await post(GUEST, data);
      expect(repeated.status).toBe(200);
      expect(repeated.body).toEqual(first.body);
    });

    it('fills by ARN only a secret tagged as the owner group’s', async () => {
      const make = async (name: string, owner?: string) =>
        (
          await sm.send(
            new CreateSecretCommand({
              Name: `${name}-${tag}`,
              SecretString: JSON.stringify({ endpoint: 'https://example.com' }),
              Tags: owner
                ? [{ Key: 'apigee-credentials:owner', Value: owner }]
                : undefined,
            }),
          )
        ).ARN!;
      for (const arn of [
        await make('fill-untagged'),
        await make('fill-payments', PAYMENTS),
      ]) {
        const res = await post(GUEST, body({ secret: { arn } }));
        expect(res.status).toBe(403);
        expect(res.body.error.message).toContain(
          `does not carry the tag apigee-credentials:owner naming ${ORDERS}`,
        );
        await lastAuditFailure();
        const value = await sm.send(
          new GetSecretValueCommand({ SecretId: arn }),
        );
        expect(JSON.parse(value.SecretString!)).toEqual({
          endpoint: 'https://example.com',
        });
      }
      const own = await make('fill-orders', 'team-orders');
      const res = await post(GUEST, body({ secret: { arn: own } }));
      expect(res.status).toBe(201);
    });

    it('uses an existing app only when it is marked as the team’s and bound to one of its components', async () => {
      const foreign = `foreign-mark-${tag}`;
      const unbound = `unbound-${tag}`;
      sandbox.apigee.createApp('acme-edge', ORDERS_DEV, {
        name: foreign,
        attributes: [{ name: 'apigee-credentials-owner', value: PAYMENTS }],
      });
      sandbox.apigee.createApp('acme-edge', ORDERS_DEV, {
        name: unbound,
        attributes: [{ name: 'apigee-credentials-owner', value: ORDERS }],
      });
      const markedOther = await post(GUEST, body({ app: foreign }));
      expect(markedOther.status).toBe(403);
      expect(markedOther.body.error.message).toMatch(
        /app .* does not belong to group:default\/team-orders.*Choose a new app name/,
      );
      const notBound = await post(GUEST, body({ app: unbound }));
      expect(notBound.status).toBe(403);
      expect(notBound.body.error.message).toContain(
        'is not bound to any component of group:default/team-orders',
      );
      await lastAuditFailure();
      expect(keysOf('acme-edge', ORDERS_DEV, foreign)).toBe(1);
      expect(keysOf('acme-edge', ORDERS_DEV, unbound)).toBe(1);

      // orders-service is bound to a team-orders component and marked: a new key is fine.
      const keysBefore = keysOf('acme-edge', ORDERS_DEV, 'orders-service');
      const own = await post(GUEST, body({ app: 'orders-service' }));
      expect(own.status).toBe(201);
      expect(keysOf('acme-edge', ORDERS_DEV, 'orders-service')).toBe(
        keysBefore + 1,
      );
    });

    it('limits provisions per user and hour across replicas, with Retry-After', async () => {
      const replicaA = await start(knex, 2);
      const replicaB = await start(knex, 2);
      expect((await post(QUOTA_USER, body(), replicaA)).status).toBe(201);
      expect((await post(QUOTA_USER, body(), replicaA)).status).toBe(201);
      const refused = await post(QUOTA_USER, body(), replicaB);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(3500);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(refused.body.error.message).toMatch(
        /You started 2 provisions within the last hour.*try again in \d+ s/,
      );
      await lastAuditFailure(replicaB);
      // Dry runs and other users are not limited.
      expect(
        (await post(QUOTA_USER, { ...body(), dryRun: true }, replicaB)).status,
      ).toBe(200);
      expect((await post(OLIVIA, body(), replicaB)).status).toBe(201);
      await replicaA.backend.stop();
      await replicaB.backend.stop();
    });
  },
);
