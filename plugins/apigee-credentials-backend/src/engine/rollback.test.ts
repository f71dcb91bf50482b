import {
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { TestDatabaseId } from '@backstage/backend-test-utils';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import { TestWorld } from '../__testUtils__/world';
import { RotationEngine } from './RotationEngine';
import { RotationPhase, RotationRecord } from './types';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const dbs = databases.eachSupportedId().map(([id]) => ({
  id: id as TestDatabaseId,
  tag: id.toLowerCase().replace('_', ''),
}));

/** One failure per protocol step, injected through the sandbox's fault rules. */
const STEP_FAILURES: Array<{
  step: string;
  failedPhase: RotationPhase;
  rule: { service: 'apigee' | 'secretsmanager' | 'gateway'; operation: string };
  errorCode: string;
}> = [
  {
    step: 'create (PutSecretValue)',
    failedPhase: 'started',
    rule: { service: 'secretsmanager', operation: 'PutSecretValue' },
    errorCode: 'unavailable',
  },
  {
    step: 'set: import (keys/create)',
    failedPhase: 'created',
    rule: { service: 'apigee', operation: 'keys.create' },
    errorCode: 'unavailable',
  },
  {
    step: 'set: associate products',
    failedPhase: 'imported',
    rule: { service: 'apigee', operation: 'keys.update' },
    errorCode: 'unavailable',
  },
  {
    step: 'test (the proxy never accepts the key)',
    failedPhase: 'associated',
    rule: { service: 'gateway', operation: 'verify' },
    errorCode: 'probe',
  },
  {
    step: 'finish (UpdateSecretVersionStage AWSCURRENT)',
    failedPhase: 'tested',
    rule: { service: 'secretsmanager', operation: 'UpdateSecretVersionStage' },
    errorCode: 'unavailable',
  },
];

const stepName = (index: number, tag: string) => `fail-${index}-${tag}`;

const world = new TestWorld(
  dbs.flatMap(({ tag }) => [
    ...STEP_FAILURES.map((_, index) => ({
      name: stepName(index, tag),
      flavor: 'edge' as const,
    })),
    { name: `parity-${tag}`, flavor: 'edge' as const },
    { name: `approval-${tag}`, flavor: 'x' as const },
    { name: `changed-${tag}`, flavor: 'edge' as const },
    { name: `after-promotion-${tag}`, flavor: 'x' as const },
    { name: `throttled-${tag}`, flavor: 'edge' as const },
    { name: `hung-${tag}`, flavor: 'x' as const },
    ...['PutSecretValue', 'keys.create', 'keys.update'].map(op => ({
      name: `lost-${op}-${tag}`,
      flavor: 'edge' as const,
    })),
    { name: `stuck-rollback-${tag}`, flavor: 'edge' as const },
  ]),
);
const knexes: Knex[] = [];
let onCheckpoint:
  | ((name: string, rotation: RotationRecord) => Promise<void> | void)
  | undefined;

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await world.stop();
});
afterEach(() => {
  onCheckpoint = undefined;
  world.sandbox.faults.clearRules();
});

/** Nothing changed for the application: same AWSCURRENT, still accepted, no AWSPENDING, no extra key. */
async function expectUntouched(name: string) {
  const scenario = world.scenario(name);
  expect(world.secretValue(name)).toMatchObject({
    consumerKey: scenario.initialKey,
    consumerSecret: scenario.initialSecret,
  });
  expect(world.pendingVersions(name)).toEqual([]);
  expect(world.appKeys(name).map(k => k.consumerKey)).toEqual([
    scenario.initialKey,
  ]);
  expect(await world.currentWorks(name)).toBe(true);
}

describe.each(dbs)('rollback on $id', ({ id, tag }) => {
  let knex: Knex;
  let engine: RotationEngine;

  beforeAll(async () => {
    knex = await databases.init(id);
    knexes.push(knex);
    engine = await world.createEngine({
      knex,
      instanceId: `engine-${tag}`,
      rotation: {
        testTimeout: { milliseconds: 600 },
        // Persistent faults exhaust the retries after 1 s.
        retry: {
          maxDuration: { seconds: 1 },
          initialDelay: { milliseconds: 20 },
          maxDelay: { milliseconds: 150 },
        },
      },
      hooks: { checkpoint: (name, rotation) => onCheckpoint?.(name, rotation) },
    });
  });

  it.each(STEP_FAILURES.map((failure, index) => ({ ...failure, index })))(
    'a failure in $step rolls back cleanly and leaves AWSCURRENT working',
    async ({ index, rule, failedPhase, errorCode }) => {
      const name = stepName(index, tag);
      world.sandbox.faults.addRule({
        id: 'step-failure',
        ...rule,
        errorRate: 1,
      });
      // Rollback itself must be able to talk to the service again.
      onCheckpoint = checkpoint => {
        if (checkpoint === 'rolling_back:persisted')
          world.sandbox.faults.clearRules();
      };

      const result = await engine.rotate(world.scenario(name).binding, {
        trigger: 'manual',
      });

      expect(result).toMatchObject({ phase: 'failed', failedPhase, errorCode });
      expect(result.error).toBeTruthy();
      expect(result.finishedAt).toBeDefined();
      await expectUntouched(name);
      expect(world.events).toContainEqual(
        expect.objectContaining({
          type: 'rotation.failed',
          rotationId: result.id,
          errorCode,
        }),
      );
      // The binding is free again: the next rotation succeeds.
      const retry = await engine.rotate(world.scenario(name).binding, {
        trigger: 'manual',
      });
      expect(retry.phase).toBe('completed');
      expect(await world.currentWorks(name)).toBe(true);
    },
  );

  it('retries throttling and 5xx within the time bound and still completes', async () => {
    const name = `throttled-${tag}`;
    world.sandbox.faults.addRule({
      id: 'throttle-sm',
      service: 'secretsmanager',
      error: 'throttling',
      failNext: 3,
    });
    world.sandbox.faults.addRule({
      id: 'busy-apigee',
      service: 'apigee',
      error: 'too-many-requests',
      failNext: 3,
    });
    world.sandbox.faults.addRule({
      id: 'apigee-5xx',
      service: 'apigee',
      operation: 'keys.update',
      error: 'server-error',
      status: 503,
      failNext: 2,
    });
    // Apigee asks for 1 s (Retry-After) per 429, so this engine may retry for longer.
    const patient = await world.createEngine({
      knex,
      instanceId: `patient-${tag}`,
      rotation: {
        retry: {
          maxDuration: { seconds: 10 },
          initialDelay: { milliseconds: 20 },
          maxDelay: { milliseconds: 150 },
        },
      },
    });
    const result = await patient.rotate(world.scenario(name).binding, {
      trigger: 'manual',
    });
    expect(result.phase).toBe('completed');
    expect(world.logger.lines.some(l => l.includes('Retrying'))).toBe(true);
    expect(world.sandbox.faults.listRules().map(r => r.failNext)).toEqual([
      0, 0, 0,
    ]);
    expect(await world.currentWorks(name)).toBe(true);
  });

  it('completes when answers are lost after the calls took effect, or calls take effect after the client gave up', async () => {
    const name = `hung-${tag}`;
    const impatient = await world.createEngine({
      knex,
      instanceId: `impatient-${tag}`,
      configPatch: data => {
        for (const provider of data.apigeeCredentials.providers) {
          provider.requestTimeout = { milliseconds: 300 };
        }
        data.apigeeCredentials.aws.requestTimeout = { milliseconds: 300 };
        data.apigeeCredentials.rotation.probeRequestTimeout = {
          milliseconds: 300,
        };
      },
    });
    // The first call of each is carried out, but its client never sees the answer; the
    // first PutSecretValue is held 700 ms and carried out after its client gave up.
    const faults = [
      ['secretsmanager', 'PutSecretValue', { error: 'none', hangMs: 700 }],
      ['apigee', 'keys.create', { answerLost: true }],
      ['apigee', 'keys.update', { error: 'reset', answerLost: true }],
      ['gateway', 'verify', { status: 502, answerLost: true }],
      [
        'secretsmanager',
        'UpdateSecretVersionStage',
        { error: 'none', hangMs: 700, answerLost: true },
      ],
    ] as const;
    for (const [service, operation, fault] of faults) {
      world.sandbox.faults.addRule({
        id: `lost-${operation}`,
        service,
        operation,
        path: service === 'apigee' ? world.scenario(name).app : undefined,
        failNext: 1,
        ...fault,
      });
    }
    world.sandbox.faults.resetCounters();
    const result = await impatient.rotate(world.scenario(name).binding, {
      trigger: 'manual',
    });
    expect(result.phase).toBe('completed');
    await new Promise(r => setTimeout(r, 1500)); // let the held calls land
    const fired = world.sandbox.faults.counters().rules;
    for (const [, operation] of faults) {
      expect(fired[`lost-${operation}`]).toBe(1);
    }
    const current = world.secretValue(name)!;
    expect(current.consumerKey).not.toBe(world.scenario(name).initialKey);
    expect(
      world
        .appKeys(name)
        .map(k => k.consumerKey)
        .sort(),
    ).toEqual([world.scenario(name).initialKey, current.consumerKey].sort());
    expect(world.pendingVersions(name)).toEqual([]);
    expect(
      world.secretVersions(name).filter(v => v.stages.includes('AWSCURRENT')),
    ).toHaveLength(1);
    expect(world.secretVersions(name)).toHaveLength(2);
    expect(await world.currentWorks(name)).toBe(true);
  });

  it.each([
    {
      operation: 'PutSecretValue',
      service: 'secretsmanager',
      failedPhase: 'started',
    },
    { operation: 'keys.create', service: 'apigee', failedPhase: 'created' },
    { operation: 'keys.update', service: 'apigee', failedPhase: 'imported' },
  ] as const)(
    'rolls back what $operation did although every answer to it was lost',
    async ({ operation, service, failedPhase }) => {
      const name = `lost-${operation}-${tag}`;
      world.sandbox.faults.addRule({
        id: 'always-lost',
        service,
        operation,
        errorRate: 1,
        answerLost: true,
      });
      onCheckpoint = checkpoint => {
        if (checkpoint === 'rolling_back:persisted')
          world.sandbox.faults.clearRules();
      };
      const result = await engine.rotate(world.scenario(name).binding, {
        trigger: 'manual',
      });
      expect(result).toMatchObject({ phase: 'failed', failedPhase });
      await expectUntouched(name);
      expect(world.secretVersions(name)).toHaveLength(2); // the undone pending one is unlabelled
    },
  );

  it('keeps retrying a rollback that cannot finish yet, and resume() completes it later', async () => {
    const name = `stuck-rollback-${tag}`;
    world.sandbox.faults.addRule({
      id: 'probe-down',
      service: 'gateway',
      operation: 'verify',
      errorRate: 1,
    });
    world.sandbox.faults.addRule({
      id: 'delete-down',
      service: 'apigee',
      operation: 'keys.delete',
      errorRate: 1,
    });
    const stuck = await engine.rotate(world.scenario(name).binding, {
      trigger: 'manual',
    });
    expect(stuck).toMatchObject({
      phase: 'rolling_back',
      failedPhase: 'associated',
      errorCode: 'probe',
    });
    expect(stuck.error).toContain('[rollback not finished yet:');
    world.sandbox.faults.removeRule('probe-down');
    expect(await world.currentWorks(name)).toBe(true); // AWSCURRENT untouched throughout
    // Asking again resumes the same rotation rather than starting a second one.
    const again = await engine.startRotation(world.scenario(name).binding.id, {
      trigger: 'manual',
    });
    expect(again.rotation.id).toBe(stuck.id);
    expect((await again.done).phase).toBe('rolling_back');

    world.sandbox.faults.clearRules();
    const [finished] = await engine.resume();
    expect(finished).toMatchObject({
      id: stuck.id,
      phase: 'failed',
      errorCode: 'probe',
    });
    expect(finished.error).not.toContain('rollback not finished');
    await expectUntouched(name);
  });

  it('refuses promotion when product parity fails, and rolls back', async () => {
    const name = `parity-${tag}`;
    const scenario = world.scenario(name);
    onCheckpoint = checkpoint => {
      if (checkpoint !== 'associated:persisted') return;
      // Someone gives the new key an extra product between set and test.
      const pending = world.secretValue(name, 'AWSPENDING')!;
      world.sandbox.apigee.updateKey(
        scenario.org,
        scenario.developer,
        scenario.app,
        pending.consumerKey,
        {
          apiProducts: ['reports-api'],
        },
      );
    };
    const result = await engine.rotate(scenario.binding, { trigger: 'manual' });
    expect(result).toMatchObject({
      phase: 'failed',
      failedPhase: 'associated',
      errorCode: 'parity',
    });
    expect(result.error).toContain('reports-api');
    await expectUntouched(name);
  });

  it('refuses promotion when an association is not approved, and rolls back', async () => {
    const name = `approval-${tag}`;
    const scenario = world.scenario(name);
    onCheckpoint = checkpoint => {
      if (checkpoint !== 'associated:persisted') return;
      const pending = world.secretValue(name, 'AWSPENDING')!;
      world.sandbox.apigee.setKeyProductStatus(
        scenario.org,
        scenario.developer,
        scenario.app,
        pending.consumerKey,
        'orders-api',
        'revoke',
      );
    };
    const result = await engine.rotate(scenario.binding, { trigger: 'manual' });
    expect(result).toMatchObject({
      phase: 'failed',
      failedPhase: 'associated',
      errorCode: 'approval',
    });
    expect(result.error).toContain('orders-api');
    await expectUntouched(name);
  });

  it('does not promote over a change of AWSCURRENT made elsewhere during the rotation', async () => {
    const name = `changed-${tag}`;
    const scenario = world.scenario(name);
    let otherVersion: string | undefined;
    onCheckpoint = async checkpoint => {
      if (checkpoint !== 'tested:persisted') return;
      // Another tool writes the secret (same key, one more field) while the rotation tests.
      const value = JSON.stringify({
        ...world.secretValue(name),
        extra: 'written elsewhere',
      });
      const client = new SecretsManagerClient({
        region: 'eu-west-1',
        endpoint: world.url,
        credentials: {
          accessKeyId: 'TESTTESTACCOUNT11111',
          secretAccessKey: 'x',
        },
      });
      otherVersion = (
        await client.send(
          new PutSecretValueCommand({
            SecretId: scenario.secretName,
            SecretString: value,
          }),
        )
      ).VersionId;
    };
    const result = await engine.rotate(scenario.binding, { trigger: 'manual' });
    expect(result.error).toContain('AWSCURRENT moved');
    expect(result).toMatchObject({
      phase: 'failed',
      failedPhase: 'tested',
      errorCode: 'secret-changed',
    });
    const current = world
      .secretVersions(name)
      .find(v => v.stages.includes('AWSCURRENT'))!;
    expect(current.versionId).toBe(otherVersion);
    expect(world.pendingVersions(name)).toEqual([]);
    expect(world.appKeys(name).map(k => k.consumerKey)).toEqual([
      scenario.initialKey,
    ]);
    expect(await world.currentWorks(name)).toBe(true);
  });

  it('after promotion a failure is never rolled back: the rotation waits in promoted and resume() finishes it', async () => {
    const name = `after-promotion-${tag}`;
    const scenario = world.scenario(name);
    onCheckpoint = checkpoint => {
      if (checkpoint === 'promoted:persisted') {
        // Removing AWSPENDING now fails for longer than the retry bound.
        world.sandbox.faults.addRule({
          id: 'finish-failure',
          service: 'secretsmanager',
          operation: 'UpdateSecretVersionStage',
          errorRate: 1,
        });
      }
    };
    const stuck = await engine.rotate(scenario.binding, { trigger: 'manual' });
    expect(stuck.phase).toBe('promoted');
    expect(stuck.error).toContain('UpdateSecretVersionStage');
    // The application already has a working new key; the old one still works too.
    const current = world.secretValue(name)!;
    expect(current.consumerKey).not.toBe(scenario.initialKey);
    expect(await world.currentWorks(name)).toBe(true);
    expect(await world.gatewayAccepts(name, scenario.initialKey)).toBe(true);

    world.sandbox.faults.clearRules();
    onCheckpoint = undefined;
    const resumed = await engine.resume();
    expect(resumed.map(r => [r.id, r.phase])).toEqual([
      [stuck.id, 'completed'],
    ]);
    expect(resumed[0].attempts).toBe(2);
    expect(world.pendingVersions(name)).toEqual([]);
    const status = await engine.inspect(scenario.binding.id);
    expect(status.currentKeyFingerprint).toBe(fingerprint(current.consumerKey));
    expect(status.pendingDeletions).toHaveLength(1);
  });
});

it('leaves no generated secret value in logs, table rows, errors or events', async () => {
  const { leaks, scannedValues } = await findSecretLeaks(world, knexes);
  expect(scannedValues).toBeGreaterThan(20);
  expect(leaks).toEqual([]);
});
