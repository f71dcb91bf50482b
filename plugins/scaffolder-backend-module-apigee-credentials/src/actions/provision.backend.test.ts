import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { RunningSandbox, startSandbox } from '@keyrotation/apigee-sandbox';
// A test only: the module must work against the real backend plugin, not a stand-in.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import apigeeCredentialsPlugin from '@keyrotation/backstage-plugin-apigee-credentials-backend';
import { DefaultApigeeCredentialsService } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import {
  CapturingLogger,
  CheckpointStore,
  createTestActionContext,
} from '../__testUtils__/mockActionContext';
import { createProvisionAction } from './provision';
import type { ProvisionActionInput } from './provisionRequest';

jest.setTimeout(60_000);

/**
 * The action against the real apigee-credentials backend plugin (in a test backend, SQLite)
 * and the sandbox, through the real -node client: what a scaffolder task sees when a
 * provisioning step fails part-way, is retried, and succeeds.
 */
describe('apigee:credentials:provision against the real backend', () => {
  const ORG = 'acme-edge';
  const DEVELOPER = 'orders-team@example.com';
  const TEAM = 'group:default/team-orders';
  let sandbox: RunningSandbox;
  let backend: TestBackend;
  let port: number;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, propagationDelayMs: 0 });
    // Each team's developer carries its team, as an Apigee admin marks it.
    for (const [developer, team] of [
      [DEVELOPER, TEAM],
      ['payments-team@example.com', 'group:default/team-payments'],
    ]) {
      sandbox.apigee.getDeveloper(ORG, developer).attributes = [
        { name: 'apigee-credentials-owner', value: team },
      ];
    }
    backend = await startTestBackend({
      features: [
        apigeeCredentialsPlugin,
        // Ada is in team-orders and is no apigee-credentials admin.
        createServiceFactory({
          service: coreServices.userInfo,
          deps: {},
          factory: () => ({
            getUserInfo: async (credentials: BackstageCredentials) => {
              const ref = (credentials.principal as { userEntityRef: string })
                .userEntityRef;
              return {
                userEntityRef: ref,
                ownershipEntityRefs: [ref, TEAM],
              };
            },
          }),
        }),
        mockServices.permissions.mock({
          authorize: async requests =>
            requests.map(r => ({
              result:
                r.permission.name === 'apigee-credentials.admin'
                  ? 'DENY'
                  : 'ALLOW',
            })) as any,
        }).factory,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.database.factory(),
        mockServices.scheduler.mock().factory,
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({ send: async () => {} }),
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => actionsRegistryServiceMock(),
        }),
        mockServices.rootConfig.factory({
          data: {
            aws: {
              accounts: [
                {
                  accountId: '111111111111',
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
                  organization: ORG,
                  baseUrl: sandbox.url,
                  auth: {
                    type: 'basic',
                    username: 'admin@example.com',
                    password: 'sandbox-admin-password',
                  },
                },
              ],
              aws: {
                allowedAccountIds: ['111111111111'],
                endpoint: sandbox.url,
              },
              provisioning: {
                allowedApiProducts: {
                  'acme-edge': [
                    'orders-api',
                    'payments-api',
                    'payments-admin-api',
                  ],
                },
              },
              rotation: {
                retry: {
                  maxDuration: { milliseconds: 300 },
                  initialDelay: { milliseconds: 20 },
                  maxDelay: { milliseconds: 100 },
                },
              },
            },
          },
        }),
      ],
    });
    port = backend.server.port();
  });
  afterAll(async () => {
    await backend?.stop();
    await sandbox?.stop();
  });
  afterEach(() => sandbox.faults.clearRules());

  const action = () =>
    createProvisionAction({
      apigeeCredentials: DefaultApigeeCredentialsService.create({
        auth: mockServices.auth(),
        discovery: mockServices.discovery.mock({
          getBaseUrl: async pluginId =>
            `http://localhost:${port}/api/${pluginId}`,
        }),
      }),
    });

  const inputFor = (app: string): ProvisionActionInput => ({
    provider: 'acme-edge',
    developer: DEVELOPER,
    app,
    apiProducts: ['orders-api'],
    environment: 'prod',
    secret: {
      name: `${app}/apigee-prod`,
      accountId: '111111111111',
      region: 'eu-west-1',
      kmsKeyId: '',
    },
    owner: 'group:default/team-orders',
    policy: { maxAge: '90d' },
  });

  /** One run of the step, as a scaffolder task (and its retry) runs it. */
  async function runStep(
    input: ProvisionActionInput,
    shared: { checkpoints: CheckpointStore; logger: CapturingLogger },
    isDryRun = false,
  ) {
    const test = createTestActionContext({
      input,
      isDryRun,
      taskId: `task-${input.app}`,
      checkpoints: shared.checkpoints,
      logger: shared.logger,
      credentials: mockCredentials.user('user:default/ada'),
    });
    const error = await action()
      .handler(test.ctx as any)
      .then(() => undefined)
      .catch(e => e as Error);
    return { error, outputs: test.outputs };
  }

  const appExists = (app: string) => {
    try {
      sandbox.apigee.getApp(ORG, DEVELOPER, app);
      return true;
    } catch {
      return false;
    }
  };
  const secretOf = (name: string) =>
    sandbox.secrets.toJSON().secrets.find(s => s.name === name);

  /** Every consumer key and secret the sandbox holds now (key material to look for). */
  function keyMaterial(): string[] {
    const values: string[] = [];
    for (const org of sandbox.apigee.toJSON().organizations)
      for (const developer of org.developers)
        for (const app of developer.apps)
          for (const key of app.credentials)
            values.push(key.consumerKey, key.consumerSecret);
    return values;
  }

  it.each([
    ['creating the app', 'apigee', 'apps.create'],
    ['creating the secret', 'secretsmanager', 'CreateSecret'],
    ['storing the pending version', 'secretsmanager', 'PutSecretValue'],
    ['importing the key', 'apigee', 'keys.create'],
    ['associating the products', 'apigee', 'keys.update'],
    ['promoting the key', 'secretsmanager', 'UpdateSecretVersionStage'],
  ] as const)(
    'fails cleanly when %s fails, leaves nothing behind, and a retry of the task succeeds',
    async (_step, service, operation) => {
      const app = `retry-${operation.replace(/\W/g, '-').toLowerCase()}`;
      const shared = {
        checkpoints: new CheckpointStore(),
        logger: new CapturingLogger(),
      };
      sandbox.faults.addRule({ id: 'step', service, operation, errorRate: 1 });
      const failed = await runStep(inputFor(app), shared);
      sandbox.faults.clearRules();
      expect(failed.error?.message).toMatch(
        /could not be reached|failed|HTTP 5\d\d/i,
      );
      expect(failed.outputs).toEqual({});
      expect(shared.checkpoints.values.size).toBe(0);
      expect(appExists(app)).toBe(false);
      expect(secretOf(`${app}/apigee-prod`)).toBeUndefined();

      // The task is retried: same task id, same request id.
      const retried = await runStep(inputFor(app), shared);
      expect(retried.error).toBeUndefined();
      expect(retried.outputs).toMatchObject({
        app,
        secretArn: secretOf(`${app}/apigee-prod`)!.arn,
        keyFingerprint: expect.stringMatching(/^sha256:/),
      });
      const current = secretOf(`${app}/apigee-prod`)!.versions.find(v =>
        v.stages.includes('AWSCURRENT'),
      )!;
      const { consumerKey } = JSON.parse(current.secretString!);
      const gateway = await fetch(`${sandbox.url}/gateway/${ORG}/orders`, {
        headers: { 'x-apikey': consumerKey },
      });
      expect(gateway.status).toBe(200);

      // Nothing a task shows or stores carries key material.
      const shown = JSON.stringify([
        failed,
        retried.outputs,
        [...shared.checkpoints.values],
        [...shared.checkpoints.failures],
        shared.logger.lines,
      ]);
      for (const value of keyMaterial()) expect(shown).not.toContain(value);
    },
  );

  it.each([
    [
      'an owner group the user is not in',
      { owner: 'group:default/team-payments' },
      /NotAllowedError.*group:default\/team-payments is not one of yours/s,
    ],
    [
      "another team's live app",
      {
        developer: 'payments-team@example.com',
        app: 'payments-service',
        apiProducts: ['payments-api'],
      },
      /does not belong to group:default\/team-orders/,
    ],
    [
      "another team's developer, for a new app",
      { developer: 'payments-team@example.com' },
      /does not belong to group:default\/team-orders/,
    ],
    [
      'a manual-approval product',
      { apiProducts: ['payments-admin-api'] },
      /payments-admin-api needs manual approval.*Ask an admin/,
    ],
    [
      'a product that is not allow-listed',
      { apiProducts: ['no-such-api'] },
      /no-such-api may not be provisioned through acme-edge/,
    ],
  ] as const)(
    'fails the step for %s, keeping nothing and showing why',
    async (_what, overrides, reason) => {
      const app = `refused-${_what.replace(/\W+/g, '-')}`.slice(0, 60);
      const shared = {
        checkpoints: new CheckpointStore(),
        logger: new CapturingLogger(),
      };
      const input = { ...inputFor(app), ...overrides } as ProvisionActionInput;
      const keysBefore = JSON.stringify(sandbox.apigee.toJSON());
      const { error, outputs } = await runStep(input, shared);
      expect(error?.name).toBe('NotAllowedError');
      expect(error?.message).toMatch(reason);
      expect(outputs).toEqual({});
      expect(shared.checkpoints.values.size).toBe(0);
      expect(secretOf(`${app}/apigee-prod`)).toBeUndefined();
      expect(JSON.stringify(sandbox.apigee.toJSON())).toBe(keysBefore);
    },
  );

  it('creates nothing in a dry run, then provisions once however often the task is retried', async () => {
    const app = 'dry-then-real';
    const shared = {
      checkpoints: new CheckpointStore(),
      logger: new CapturingLogger(),
    };
    const dry = await runStep(inputFor(app), shared, true);
    expect(dry.error).toBeUndefined();
    expect(appExists(app)).toBe(false);
    expect(secretOf(`${app}/apigee-prod`)).toBeUndefined();
    expect(shared.logger.lines.join('\n')).toMatch(
      /would create the developer app dry-then-real/,
    );

    const first = await runStep(inputFor(app), shared);
    // A retry with its checkpoint, and one whose checkpoint was lost: the same result.
    const again = await runStep(inputFor(app), shared);
    const lost = await runStep(inputFor(app), {
      checkpoints: new CheckpointStore(),
      logger: shared.logger,
    });
    expect(again.outputs).toEqual(first.outputs);
    expect(lost.outputs).toEqual(first.outputs);
    expect(
      sandbox.apigee.getApp(ORG, DEVELOPER, app).app.credentials,
    ).toHaveLength(1);
    expect(secretOf(`${app}/apigee-prod`)!.versions).toHaveLength(2);
  });
});
