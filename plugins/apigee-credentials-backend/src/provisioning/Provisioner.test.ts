import {
  CreateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { TestDatabaseId } from '@backstage/backend-test-utils';
import { parseBindingAnnotation } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { Knex } from 'knex';
import {
  createTestDatabases,
  databaseService,
} from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import { ACCOUNT_ID, REGION, TestWorld } from '../__testUtils__/world';
import { createEngineDependencies } from '../engine/createRotationEngine';
import { EngineDependencies } from '../engine/context';
import { canProvisionSecrets } from '../secrets/SecretStore';
import { ProvisionAttempt, PROVISION_TAG } from './ProvisionAttempt';
import { planProvision } from './provisionPlan';
import { Provisioner } from './Provisioner';
import {
  ValidProvisionRequest,
  validateProvisionRequest,
} from './provisionRequest';
import { ProvisionProgress, ProvisionStore } from './ProvisionStore';
import { DatabaseAppOwnerRecords } from './appOwnership';
import { ProvisionCaller } from './provisionPlan';
import {
  appAttribute,
  markApp,
  markDeveloper,
} from '../__testUtils__/ownershipFixtures';

const TEAM = 'group:default/team-orders';
const ADA: ProvisionCaller = { actor: 'user:default/ada', admin: false };
const ADMIN: ProvisionCaller = { actor: 'user:default/root', admin: true };

jest.setTimeout(60_000);

const databases = createTestDatabases();
const dbs = databases.eachSupportedId().map(([id]) => ({
  id: id as TestDatabaseId,
  tag: id.toLowerCase().replace('_', ''),
}));

// One existing developer (with an app and a secret) per database and flavour.
const world = new TestWorld(
  dbs.flatMap(({ tag }) => [
    { name: `edge-${tag}`, flavor: 'edge' as const },
    { name: `x-${tag}`, flavor: 'x' as const },
  ]),
);
const knexes: Knex[] = [];
const errors: string[] = [];

beforeAll(async () => {
  await world.start();
  // Every scenario developer is team-orders', as an Apigee admin would mark it.
  for (const { tag } of dbs) {
    for (const name of [`edge-${tag}`, `x-${tag}`]) {
      const scenario = world.scenario(name);
      markDeveloper(world.sandbox, scenario.org, scenario.developer, TEAM);
    }
  }
});
afterAll(async () => {
  await world.stop();
});
afterEach(() => {
  world.sandbox.faults.clearRules();
});

let counter = 0;
/** A request for a new app and a new secret for the developer of scenario `name`. */
function newConsumer(
  name: string,
  overrides: Record<string, unknown> = {},
): ValidProvisionRequest {
  counter += 1;
  const scenario = world.scenario(name);
  const app = `new-consumer-${counter}`;
  return validateProvisionRequest({
    requestId: `test:${name}:${counter}`,
    provider: scenario.spec.flavor,
    developer: scenario.developer,
    app,
    apiProducts: ['orders-api'],
    environment: 'prod',
    secret: {
      name: `provisioned/${app}`,
      accountId: ACCOUNT_ID,
      region: REGION,
      description: 'made by a test',
      tags: { team: 'orders' },
    },
    owner: 'team-orders',
    policy: { maxAge: '30d' },
    ...overrides,
  });
}

function findApp(name: string, app: string) {
  const scenario = world.scenario(name);
  try {
    return world.sandbox.apigee.getApp(scenario.org, scenario.developer, app)
      .app;
  } catch {
    return undefined;
  }
}

function findSecret(secretName: string) {
  return world.sandbox.secrets
    .toJSON()
    .secrets.find(s => s.name === secretName && s.accountId === ACCOUNT_ID);
}

function currentValue(secretName: string) {
  const version = findSecret(secretName)?.versions.find(v =>
    v.stages.includes('AWSCURRENT'),
  );
  return version?.secretString ? JSON.parse(version.secretString) : undefined;
}

async function gatewayAccepts(name: string, consumerKey: string) {
  const response = await fetch(
    `${world.url}/gateway/${world.scenario(name).org}/orders`,
    { headers: { 'x-apikey': consumerKey } },
  );
  await response.text();
  return response.status === 200;
}

/** Every key of the developer's apps, across the scenario's org. */
function developerKeyCount(name: string): number {
  const scenario = world.scenario(name);
  const org = world.sandbox.apigee
    .toJSON()
    .organizations.find(o => o.name === scenario.org)!;
  const developer = org.developers.find(d => d.email === scenario.developer)!;
  return developer.apps.reduce((n, a) => n + a.credentials.length, 0);
}

async function expectNothingLeftBehind(
  name: string,
  request: ValidProvisionRequest,
  keysBefore: number,
) {
  expect(findApp(name, request.app)).toBeUndefined();
  expect(findSecret((request.secret as { name: string }).name)).toBeUndefined();
  expect(developerKeyCount(name)).toBe(keysBefore);
}

describe.each(dbs)('Provisioner on $id', ({ id, tag }) => {
  const edge = `edge-${tag}`;
  const x = `x-${tag}`;
  let knex: Knex;
  let deps: EngineDependencies;
  let store: ProvisionStore;
  let provisioner: Provisioner;

  beforeAll(async () => {
    knex = await databases.init(id);
    knexes.push(knex);
    deps = await createEngineDependencies({
      config: world.config({
        retry: {
          maxDuration: { milliseconds: 500 },
          initialDelay: { milliseconds: 20 },
          maxDelay: { milliseconds: 100 },
        },
      }),
      database: databaseService(knex),
      logger: world.logger,
    });
    if (!canProvisionSecrets(deps.secrets)) throw new Error('no provisioning');
    store = new ProvisionStore(knex);
    provisioner = new Provisioner({
      engine: deps,
      secrets: deps.secrets,
      store,
      leaseDurationMs: 100,
      appOwners: new DatabaseAppOwnerRecords(knex),
      // This suite provisions often as one user; the quota has tests of its own.
      provisionsPerUserPerHour: 1000,
    });
  });

  it('creates the app, a verified key and the secret, and binds them', async () => {
    const request = newConsumer(edge);
    const { result, repeated } = await provisioner.provision(request, ADA);
    expect(repeated).toBe(false);

    const secret = findSecret(`provisioned/${request.app}`)!;
    // Both new targets carry the owner group.
    expect(secret.tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'orders' },
        { Key: 'apigee-credentials:owner', Value: TEAM },
      ]),
    );
    const scenarioEdge = world.scenario(edge);
    expect(
      appAttribute(
        world.sandbox,
        scenarioEdge.org,
        scenarioEdge.developer,
        request.app,
      ),
    ).toBe(TEAM);
    // The secret starts with an empty first version; the verified key then replaces it.
    expect(secret.versions.map(v => v.stages)).toEqual([
      ['AWSPREVIOUS'],
      ['AWSCURRENT'],
    ]);
    expect(JSON.parse(secret.versions[0].secretString!)).toEqual({});
    const value = currentValue(secret.name);
    // Apigee's generated key is gone: the app holds exactly the provisioned key.
    const keys = findApp(edge, request.app)!.credentials;
    expect(keys.map(k => k.consumerKey)).toEqual([value.consumerKey]);
    expect(keys[0].apiProducts).toEqual([
      expect.objectContaining({ apiproduct: 'orders-api', status: 'approved' }),
    ]);
    expect(await gatewayAccepts(edge, value.consumerKey)).toBe(true);

    expect(result).toEqual({
      requestId: request.requestId,
      dryRun: false,
      provider: 'edge',
      developer: request.developer,
      app: request.app,
      environment: 'prod',
      secretArn: secret.arn,
      keyFingerprint: fingerprint(value.consumerKey),
      created: { app: true, key: true, secret: true },
      annotations: {
        'apigee.keyrotation.dev/prod': expect.any(String),
      },
      steps: expect.arrayContaining([
        `created the developer app ${request.app}`,
      ]),
    });
    const binding = parseBindingAnnotation(
      'prod',
      result.annotations['apigee.keyrotation.dev/prod'],
    );
    expect(binding).toMatchObject({
      provider: 'edge',
      app: request.app,
      secret: { name: secret.name, accountId: ACCOUNT_ID, region: REGION },
      maxAgeMs: 30 * 24 * 3600_000,
    });
    errors.push(JSON.stringify(result));

    // The same request again: the first answer, nothing new.
    const again = await provisioner.provision(request, ADA);
    expect(again).toEqual({ result, repeated: true });
    expect(findApp(edge, request.app)!.credentials).toHaveLength(1);
  });

  it('approves manual-approval products on Apigee X for an admin, in an existing app of the team', async () => {
    const scenario = world.scenario(x);
    markApp(
      world.sandbox,
      scenario.org,
      scenario.developer,
      scenario.app,
      TEAM,
    );
    const request = newConsumer(x, {
      app: scenario.app,
      apiProducts: ['orders-api', 'admin-api'],
    });
    const { result } = await provisioner.provision(request, ADMIN);
    expect(result.created).toEqual({ app: false, key: true, secret: true });
    const value = currentValue((request.secret as { name: string }).name);
    const key = findApp(x, scenario.app)!.credentials.find(
      k => k.consumerKey === value.consumerKey,
    )!;
    expect(key.apiProducts.map(p => [p.apiproduct, p.status]).sort()).toEqual([
      ['admin-api', 'approved'],
      ['orders-api', 'approved'],
    ]);
    // The app's current key is untouched.
    expect(
      findApp(x, scenario.app)!.credentials.map(k => k.consumerKey),
    ).toContain(scenario.initialKey);
  });

  it.each([edge, x])(
    'refuses a manual-approval product for a non-admin on %s, and undoes everything',
    async name => {
      const request = newConsumer(name, {
        apiProducts: ['orders-api', 'admin-api'],
      });
      const keysBefore = developerKeyCount(name);
      const failure = await provisioner
        .provision(request, ADA)
        .catch(error => error);
      expect(failure).toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringMatching(
          /API product admin-api needs manual approval.*Ask an admin/,
        ),
      });
      errors.push(String(failure));
      await expectNothingLeftBehind(name, request, keysBefore);
      expect((await store.get(request.requestId))?.state).toBe('failed');
    },
  );

  it('refuses an existing app that is not bound to a component of the team, even when marked', async () => {
    const scenario = world.scenario(edge);
    markApp(
      world.sandbox,
      scenario.org,
      scenario.developer,
      scenario.app,
      TEAM,
    );
    const keysBefore = developerKeyCount(edge);
    const request = newConsumer(edge, { app: scenario.app });
    await expect(provisioner.provision(request, ADA)).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('is not bound to any component'),
    });
    expect(developerKeyCount(edge)).toBe(keysBefore);
    expect(await store.get(request.requestId)).toBeUndefined();
  });

  it('lets the team use an app its own provision created, e.g. for a second environment', async () => {
    const first = newConsumer(edge);
    await provisioner.provision(first, ADA);
    const second = newConsumer(edge, {
      app: first.app,
      environment: 'staging',
    });
    const { result } = await provisioner.provision(second, ADA);
    expect(result.created).toEqual({ app: false, key: true, secret: true });
    expect(findApp(edge, first.app)!.credentials).toHaveLength(2);
    // Another team may not, though the app is in the same developer.
    markDeveloper(
      world.sandbox,
      world.scenario(edge).org,
      world.scenario(edge).developer,
      `${TEAM} group:default/team-other`,
    );
    try {
      await expect(
        provisioner.provision(
          newConsumer(edge, {
            app: first.app,
            environment: 'qa',
            owner: 'group:default/team-other',
          }),
          { actor: 'user:default/olga', admin: false },
        ),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining('does not belong to'),
      });
    } finally {
      markDeveloper(
        world.sandbox,
        world.scenario(edge).org,
        world.scenario(edge).developer,
        TEAM,
      );
    }
  });

  it('creates a new app on Apigee X too, holding only the provisioned key', async () => {
    const request = newConsumer(x);
    const { result } = await provisioner.provision(request, ADA);
    expect(result.created).toEqual({ app: true, key: true, secret: true });
    const value = currentValue((request.secret as { name: string }).name);
    expect(
      findApp(x, request.app)!.credentials.map(k => k.consumerKey),
    ).toEqual([value.consumerKey]);
    expect(await gatewayAccepts(x, value.consumerKey)).toBe(true);
  });

  it('fills an existing secret by ARN, keeping its other fields', async () => {
    const sm = new SecretsManagerClient({
      endpoint: world.url,
      region: REGION,
      credentials: {
        accessKeyId: 'TESTTESTACCOUNT11111',
        secretAccessKey: 'test',
      },
    });
    const untagged = await sm.send(
      new CreateSecretCommand({
        Name: `prepared-untagged/${tag}`,
        SecretString: JSON.stringify({ endpoint: 'https://api.example.com' }),
        Tags: [{ Key: 'apigee-credentials:owner', Value: 'team-payments' }],
      }),
    );
    // A secret not marked as the owner's is not filled, nor its value read.
    await expect(
      provisioner.provision(
        newConsumer(edge, { secret: { arn: untagged.ARN } }),
        ADA,
      ),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'does not carry the tag apigee-credentials:owner naming group:default/team-orders',
      ),
    });
    const created = await sm.send(
      new CreateSecretCommand({
        Name: `prepared/${tag}`,
        SecretString: JSON.stringify({ endpoint: 'https://api.example.com' }),
        Tags: [{ Key: 'apigee-credentials:owner', Value: 'team-orders' }],
      }),
    );
    const request = newConsumer(edge, { secret: { arn: created.ARN } });
    const { result } = await provisioner.provision(request, ADA);
    expect(result.created.secret).toBe(false);
    expect(result.secretArn).toBe(created.ARN);
    const secret = findSecret(`prepared/${tag}`)!;
    const current = secret.versions.find(v => v.stages.includes('AWSCURRENT'))!;
    expect(JSON.parse(current.secretString!)).toMatchObject({
      endpoint: 'https://api.example.com',
      consumerKey: expect.any(String),
    });
    expect(
      secret.versions.find(v => v.versionId === created.VersionId)!.stages,
    ).toEqual(['AWSPREVIOUS']);
    expect(secret.versions.some(v => v.stages.includes('AWSPENDING'))).toBe(
      false,
    );

    // Filling it again would replace a live consumer's key: refused.
    await expect(
      provisioner.provision(
        newConsumer(edge, { secret: { arn: created.ARN } }),
        ADA,
      ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('already holds a consumer key'),
    });
  });

  it('refuses a new app through a provider that cannot read developers', async () => {
    const real = deps.providerFor('edge');
    const withoutDevelopers = {
      name: real.name,
      getApp: real.getApp.bind(real),
      importKey: real.importKey.bind(real),
      addApiProducts: real.addApiProducts.bind(real),
      approveKey: real.approveKey.bind(real),
      approveApiProduct: real.approveApiProduct.bind(real),
      deleteKey: real.deleteKey.bind(real),
      createApp: real.createApp!.bind(real),
    };
    const bare = new Provisioner({
      engine: { ...deps, providerFor: () => withoutDevelopers },
      secrets: deps.secrets as any,
      store,
    });
    const request = newConsumer(edge);
    await expect(bare.provision(request, ADA)).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('cannot read Apigee developers'),
    });
    expect(findApp(edge, request.app)).toBeUndefined();
  });

  it('plans a dry run without changing anything or recording it', async () => {
    const request = newConsumer(edge, { dryRun: true });
    const before = JSON.stringify(world.sandbox.apigee.toJSON());
    const secretsBefore = JSON.stringify(world.sandbox.secrets.toJSON());
    const plan = await provisioner.dryRun(request, ADA);
    expect(plan).toMatchObject({
      dryRun: true,
      created: { app: true, key: true, secret: true },
      annotations: { 'apigee.keyrotation.dev/prod': expect.any(String) },
    });
    expect(plan.secretArn).toBeUndefined();
    expect(plan.keyFingerprint).toBeUndefined();
    expect(plan.steps[0]).toMatch(/^would create the developer app/);
    expect(JSON.stringify(world.sandbox.apigee.toJSON())).toBe(before);
    expect(JSON.stringify(world.sandbox.secrets.toJSON())).toBe(secretsBefore);
    expect(await store.get(request.requestId)).toBeUndefined();
  });

  it.each([
    ['a secret name that is taken', 'ConflictError'],
    ['an account that is not allow-listed', 'NotAllowedError'],
    ['an unknown provider', 'InputError'],
  ])('refuses %s before changing anything', async (what, errorName) => {
    const keysBefore = developerKeyCount(edge);
    const overrides: Record<string, Record<string, unknown>> = {
      'a secret name that is taken': {
        secret: {
          name: world.scenario(edge).secretName,
          accountId: ACCOUNT_ID,
          region: REGION,
        },
      },
      'an account that is not allow-listed': {
        secret: {
          name: 'elsewhere',
          accountId: '222222222222',
          region: REGION,
        },
      },
      'an unknown provider': { provider: 'nope' },
    };
    const request = newConsumer(edge, overrides[what]);
    await expect(provisioner.provision(request, ADA)).rejects.toMatchObject({
      name: errorName,
    });
    expect(findApp(edge, request.app)).toBeUndefined();
    expect(developerKeyCount(edge)).toBe(keysBefore);
  });

  it('refuses a request id reused with other input', async () => {
    const request = newConsumer(edge);
    await provisioner.provision(request, ADA);
    const changed = newConsumer(edge, {
      requestId: request.requestId,
      app: request.app,
      secret: request.secret,
      apiProducts: ['reports-api'],
    });
    await expect(provisioner.provision(changed, ADA)).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('with other input'),
    });
  });

  // One failure per step; each must leave nothing behind, then a retry succeeds.
  it.each([
    ['create the app', 'apigee', 'apps.create', 'ServiceUnavailableError'],
    [
      'delete the generated key',
      'apigee',
      'keys.delete',
      'ServiceUnavailableError',
    ],
    [
      'create the secret',
      'secretsmanager',
      'CreateSecret',
      'ServiceUnavailableError',
    ],
    [
      'store AWSPENDING',
      'secretsmanager',
      'PutSecretValue',
      'ServiceUnavailableError',
    ],
    ['import the key', 'apigee', 'keys.create', 'ServiceUnavailableError'],
    ['associate products', 'apigee', 'keys.update', 'ServiceUnavailableError'],
    [
      'promote',
      'secretsmanager',
      'UpdateSecretVersionStage',
      'ServiceUnavailableError',
    ],
  ] as const)(
    'undoes everything when "%s" fails, and a retry succeeds',
    async (_step, service, operation, errorName) => {
      const request = newConsumer(edge);
      const keysBefore = developerKeyCount(edge);
      world.sandbox.faults.addRule({
        id: 'step',
        service,
        operation,
        errorRate: 1,
      });
      const failure = await provisioner
        .provision(request, ADA)
        .catch(error => error);
      expect(failure).toMatchObject({ name: errorName });
      errors.push(String(failure));
      world.sandbox.faults.clearRules();
      await expectNothingLeftBehind(edge, request, keysBefore);
      expect((await store.get(request.requestId))?.state).toBe('failed');

      const { result } = await provisioner.provision(request, ADA);
      expect(result.keyFingerprint).toMatch(/^sha256:/);
      expect(
        await gatewayAccepts(
          edge,
          currentValue(`provisioned/${request.app}`).consumerKey,
        ),
      ).toBe(true);
    },
  );

  it('refuses a key Apigee will not make usable, and undoes it', async () => {
    const request = newConsumer(edge, { apiProducts: ['no-such-product'] });
    const keysBefore = developerKeyCount(edge);
    await expect(provisioner.provision(request, ADA)).rejects.toMatchObject({
      name: 'InputError',
    });
    await expectNothingLeftBehind(edge, request, keysBefore);
  });

  /**
   * A process that dies mid-way leaves a running row with its progress. The attempt is run
   * without the Provisioner (which would undo it) and stopped by a fault or a throwing
   * progress write: exactly what a crash leaves in the database.
   */
  async function crash(
    request: ValidProvisionRequest,
    stop:
      | { fault: { service: 'apigee' | 'secretsmanager'; operation: string } }
      | { beforeRecording: keyof ProvisionProgress },
  ) {
    const attemptId = `00000000-0000-4000-8000-${String(counter).padStart(
      12,
      '0',
    )}`;
    const progress: ProvisionProgress = { request };
    await store.insert({
      requestId: request.requestId,
      id: attemptId,
      requestHash: request.hash,
      actor: ADA.actor,
      progress,
      leaseUntil: new Date(Date.now() + 50),
      now: new Date(),
    });
    if ('fault' in stop) {
      world.sandbox.faults.addRule({
        id: 'crash',
        ...stop.fault,
        errorRate: 1,
      });
    }
    const attempt = new ProvisionAttempt(
      { engine: deps, secrets: deps.secrets as any },
      request,
      attemptId,
      progress,
      async next => {
        if ('beforeRecording' in stop && next[stop.beforeRecording]) {
          throw new Error('process killed');
        }
        await store.saveProgress(
          request.requestId,
          attemptId,
          next,
          new Date(Date.now() + 50),
          new Date(),
        );
      },
    );
    await expect(
      attempt.run(
        await planProvision(
          { engine: deps, secrets: deps.secrets as any },
          request,
          ADA,
        ),
      ),
    ).rejects.toThrow();
    world.sandbox.faults.clearRules();
    await new Promise(resolve => setTimeout(resolve, 80)); // the lease runs out
  }

  it.each([
    [
      'after creating the app',
      { fault: { service: 'secretsmanager', operation: 'CreateSecret' } },
    ],
    [
      'after storing AWSPENDING',
      { fault: { service: 'apigee', operation: 'keys.create' } },
    ],
    [
      'after importing the key',
      { fault: { service: 'apigee', operation: 'keys.update' } },
    ],
    [
      'before promoting',
      {
        fault: {
          service: 'secretsmanager',
          operation: 'UpdateSecretVersionStage',
        },
      },
    ],
  ] as const)(
    'recoverAbandoned undoes a provision whose process died %s',
    async (_when, stop) => {
      const request = newConsumer(edge);
      const keysBefore = developerKeyCount(edge);
      await crash(request, stop);
      expect((await store.get(request.requestId))?.state).toBe('running');
      expect(await provisioner.recoverAbandoned()).toBeGreaterThanOrEqual(1);
      expect((await store.get(request.requestId))?.state).toBe('failed');
      await expectNothingLeftBehind(edge, request, keysBefore);
    },
  );

  it('finishes, rather than undoes, a provision that died after its key became current', async () => {
    const request = newConsumer(edge);
    await crash(request, { beforeRecording: 'promoted' });
    // The retried request (same id) settles it and answers with its result.
    const { result, repeated } = await provisioner.provision(request, ADA);
    expect(repeated).toBe(true);
    const value = currentValue(`provisioned/${request.app}`);
    expect(result.keyFingerprint).toBe(fingerprint(value.consumerKey));
    expect(await gatewayAccepts(edge, value.consumerKey)).toBe(true);
    expect(
      findSecret(`provisioned/${request.app}`)!.versions.some(v =>
        v.stages.includes('AWSPENDING'),
      ),
    ).toBe(false);
    const secret = findSecret(`provisioned/${request.app}`)!;
    expect(secret.tags).toEqual(
      expect.arrayContaining([
        { Key: PROVISION_TAG, Value: expect.any(String) },
      ]),
    );
  });

  it('retries a request whose process died by undoing it and starting again', async () => {
    const request = newConsumer(edge);
    await crash(request, {
      fault: { service: 'apigee', operation: 'keys.update' },
    });
    const { result, repeated } = await provisioner.provision(request, ADA);
    expect(repeated).toBe(false);
    const keys = findApp(edge, request.app)!.credentials;
    expect(keys).toHaveLength(1);
    expect(fingerprint(keys[0].consumerKey)).toBe(result.keyFingerprint);
  });
});

describe('after every provision above', () => {
  it('no key material reached a log line, a table row, a result or an error', async () => {
    const scan = await findSecretLeaks(world, knexes, errors);
    expect(scan.scannedValues).toBeGreaterThan(10);
    expect(scan.leaks).toEqual([]);
  });
});
