import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  GetSecretValueCommand,
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

// The catalog is written by its users: an annotation naming an app and a secret proves
// nothing about who owns them. These tests drive the real plugin against the sandbox's
// default seed, whose secrets carry the tag `apigee-credentials:owner` and whose apps carry
// the attribute `apigee-credentials-owner`, each naming the owning team.

jest.setTimeout(120_000);

const API = '/api/apigee-credentials/v1';
const ADMIN = 'user:default/root';

const annotation = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

const component = (
  name: string,
  owner: string,
  annotations: Record<string, string>,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', owner },
});

const paymentsProd = {
  provider: 'acme-edge',
  account: `'${DEMO_ACCOUNT}'`,
  region: 'eu-west-1',
  developer: 'payments-team@example.com',
  app: 'payments-service',
  secret: 'payments-service/apigee-prod',
};

const entities: Entity[] = [
  component('payments-service', 'team-payments', {
    'apigee.keyrotation.dev/prod': annotation(paymentsProd),
  }),
  // team-orders binds team-payments' app and secret to its own component, asking for a
  // rotation every second.
  component('evil-service', 'team-orders', {
    'apigee.keyrotation.dev/prod': annotation({
      ...paymentsProd,
      maxAge: '1s',
    }),
  }),
  // A credential whose marks name another team: only an admin's approval makes it usable.
  component('legacy-service', 'team-orders', {
    'apigee.keyrotation.dev/prod': annotation({
      provider: 'acme-x',
      account: `'${DEMO_ACCOUNT}'`,
      region: 'eu-west-1',
      developer: 'payments-team@example.com',
      app: 'payments-service',
      secret: 'payments-service/apigee-x',
    }),
  }),
];

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('trust on %s', databaseId => {
  let sandbox: RunningSandbox;
  let sm: SecretsManagerClient;

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0 });
    sm = new SecretsManagerClient({
      endpoint: sandbox.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: DEMO_ACCESS_KEY, secretAccessKey: 'sandbox' },
    });
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  async function start() {
    return startPluginBackend({
      knex: await databases.init(databaseId),
      entities,
      // Everyone may read and rotate (as if they owned every entity); only ADMIN administers.
      allow: (permission, credentials) =>
        permission.name !== 'apigee-credentials.admin' ||
        (credentials?.principal as any)?.userEntityRef === ADMIN,
      config: demoSandboxConfig(sandbox.url, {
        rotation: {
          keyPropagationDelay: { seconds: 0 },
          // Low floors, so that only ownership stands between the attacker and a rotation.
          minimumMaxAge: { seconds: 1 },
        },
        manualRotationCooldown: { seconds: 0 },
      }),
    });
  }

  const credentialsOf = async (server: any, name: string) => {
    const res = await request(server)
      .get(`${API}/entities/default/component/${name}/credentials`)
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    return res.body.items[0];
  };

  const currentValue = async (secretId: string) =>
    (await sm.send(new GetSecretValueCommand({ SecretId: secretId })))
      .SecretString;

  const appKeys = (org: string, app: string) =>
    sandbox.apigee
      .getApp(org, 'payments-team@example.com', app)
      .app.credentials.map(k => k.consumerKey)
      .sort();

  it("never rotates or shows another team's app and secret bound by a catalog file, and a secret has one binding", async () => {
    const { server, runPass } = await start();
    const keysBefore = appKeys('acme-edge', 'payments-service');
    const valueBefore = await currentValue('payments-service/apigee-prod');

    await runPass();
    await new Promise(r => setTimeout(r, 1100)); // evil-service's 1 s maximum age is over
    const evil = await credentialsOf(server, 'evil-service');
    expect(evil.status).toBe('unverified');
    expect(evil.statusReason).toContain('apigee-credentials:owner');
    expect(evil.statusReason).toContain('group:default/team-orders');
    expect(evil.keyFingerprint).toBeUndefined();
    expect(evil.ageDays).toBeUndefined();
    expect(evil.pendingDeletions).toEqual([]);

    const refused = await request(server)
      .post(
        `${API}/entities/default/component/evil-service/credentials/prod/rotate`,
      )
      .set('Authorization', mockCredentials.user.header());
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('Not proven to belong');

    // The next pass finds team-payments' proven binding of the secret: the other is refused.
    await runPass();
    const conflicted = await credentialsOf(server, 'evil-service');
    expect(conflicted.status).toBe('misconfigured');
    expect(conflicted.statusReason).toContain(
      'already bound to component:default/payments-service (environment prod)',
    );
    expect((await credentialsOf(server, 'payments-service')).status).toBe('ok');

    expect(appKeys('acme-edge', 'payments-service')).toEqual(keysBefore);
    expect(await currentValue('payments-service/apigee-prod')).toBe(
      valueBefore,
    );
  });

  it('lets only an admin approve a credential without ownership marks; the approval is audited and makes it rotatable', async () => {
    const { server, runPass, auditor } = await start();
    await runPass();
    const path = `${API}/entities/default/component/legacy-service/credentials/prod`;
    expect((await credentialsOf(server, 'legacy-service')).status).toBe(
      'unverified',
    );

    const denied = await request(server)
      .post(`${path}/approve`)
      .set('Authorization', mockCredentials.user.header('user:default/ada'));
    expect(denied.status).toBe(403);
    expect((await credentialsOf(server, 'legacy-service')).status).toBe(
      'unverified',
    );

    const approved = await request(server)
      .post(`${path}/approve`)
      .set('Authorization', mockCredentials.user.header(ADMIN));
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'ok',
      approval: { by: ADMIN },
      keyFingerprint: expect.stringMatching(/^sha256:/),
    });
    const events = auditor.createEvent.mock.calls.map(c => c[0].eventId);
    expect(events.filter(e => e === 'credential-approve')).toHaveLength(2);

    const keysBefore = appKeys('acme-x', 'payments-service');
    const started = await request(server)
      .post(`${path}/rotate`)
      .set('Authorization', mockCredentials.user.header());
    expect(started.status).toBe(202);
    let rotation: any;
    for (let i = 0; i < 100; i++) {
      rotation = (
        await request(server)
          .get(`${API}/rotations/${started.body.id}`)
          .set('Authorization', mockCredentials.user.header())
      ).body;
      if (rotation.status !== 'running') break;
      await new Promise(r => setTimeout(r, 100));
    }
    expect(rotation.status).toBe('succeeded');
    expect(appKeys('acme-x', 'payments-service')).toHaveLength(
      keysBefore.length + 1,
    );
  });
});
