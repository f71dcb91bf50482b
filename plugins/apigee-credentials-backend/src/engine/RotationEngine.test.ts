import { TestDatabaseId } from '@backstage/backend-test-utils';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import {
  ACCOUNT_ID,
  OTHER_ACCOUNT_ID,
  OWNER_TAG,
  REGION,
  TestWorld,
} from '../__testUtils__/world';
import { OwnershipUnverifiedError } from './failures';
import { RotationEngine } from './RotationEngine';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const dbs = databases.eachSupportedId().map(([id]) => ({
  id: id as TestDatabaseId,
  tag: id.toLowerCase().replace('_', ''),
}));

const world = new TestWorld(
  dbs.flatMap(({ tag }) => [
    { name: `normal-edge-${tag}`, flavor: 'edge' as const },
    { name: `normal-x-${tag}`, flavor: 'x' as const },
    {
      name: `manual-${tag}`,
      flavor: 'edge' as const,
      products: [
        'orders-api',
        { name: 'admin-api', status: 'approved' as const },
      ],
    },
    {
      name: `partial-${tag}`,
      flavor: 'x' as const,
      products: [
        'orders-api',
        { name: 'admin-api', status: 'pending' as const },
      ],
    },
    { name: `noprobe-${tag}`, flavor: 'edge' as const, probePath: null },
    {
      name: `basic-probe-${tag}`,
      flavor: 'edge' as const,
      probePath: '/basic',
    },
    { name: `due-${tag}`, flavor: 'x' as const },
    { name: `reads-${tag}`, flavor: 'edge' as const },
    { name: `unmarked-${tag}`, flavor: 'edge' as const },
  ]),
);
const thrownMessages: string[] = [];
const knexes: Knex[] = [];

beforeAll(async () => {
  // Apigee's key cache is on (300 ms here; ~180 s in real Apigee).
  await world.start({ propagationDelayMs: 300 });
});
afterAll(async () => {
  await world.stop();
});

describe.each(dbs)('RotationEngine on $id', ({ id, tag }) => {
  let knex: Knex;
  let engine: RotationEngine;

  beforeAll(async () => {
    knex = await databases.init(id);
    knexes.push(knex);
    engine = await world.createEngine({ knex, instanceId: `engine-${tag}` });
  });

  it.each(['edge', 'x'])(
    'rotates a %s credential: new key imported with products, verified through the gateway, promoted; the old key works through the grace period and is deleted after it',
    async flavor => {
      const name = `normal-${flavor}-${tag}`;
      const scenario = world.scenario(name);
      const oldKey = scenario.initialKey;
      // The X binding names its secret by ARN: account and Region are read from it. Old
      // keys retired by time here; by traffic in retirement.test.ts.
      const binding = {
        ...scenario.binding,
        retireOldKeys: 'time' as const,
        ...(flavor === 'x' && { secret: { arn: world.secretArn(name) } }),
      };

      const result = await engine.rotate(binding, {
        trigger: 'manual',
        actor: 'user:default/alice',
      });

      expect(result).toMatchObject({
        phase: 'completed',
        trigger: 'manual',
        actor: 'user:default/alice',
        attempts: 1,
        oldKeyFingerprint: fingerprint(oldKey),
      });
      const current = world.secretValue(name)!;
      expect(current.consumerKey).not.toBe(oldKey);
      expect(current.consumerKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(current.consumerSecret).toMatch(/^[A-Za-z0-9_-]{48}$/);
      expect(current.note).toBe('kept by rotation');
      expect(result.newKeyFingerprint).toBe(fingerprint(current.consumerKey));
      expect(world.secretValue(name, 'AWSPREVIOUS')!.consumerKey).toBe(oldKey);
      expect(world.pendingVersions(name)).toEqual([]);
      // The rotation id is the ClientRequestToken, which becomes the new version's id.
      expect(
        world.secretVersions(name).find(v => v.versionId === result.id)?.stages,
      ).toEqual(['AWSCURRENT']);

      const keys = world.appKeys(name);
      const newKey = keys.find(k => k.consumerKey === current.consumerKey)!;
      expect(newKey.apiProducts).toEqual([
        { apiproduct: 'orders-api', status: 'approved' },
      ]);
      expect(newKey.consumerSecret).toBe(current.consumerSecret);
      expect(await world.gatewayAccepts(name, current.consumerKey)).toBe(true);
      // The probe had to wait for the key cache: it was rejected at least once.
      expect(
        world.logger.lines.some(
          l =>
            l.includes(result.id) &&
            /accepted the new key .* after [2-9]\d* attempt/.test(l),
        ),
      ).toBe(true);

      // Grace period: the old key is still in the app and still accepted.
      expect(keys.map(k => k.consumerKey).sort()).toEqual(
        [oldKey, current.consumerKey].sort(),
      );
      expect(await world.gatewayAccepts(name, oldKey)).toBe(true);
      expect(await engine.retireOldKeys()).toMatchObject({ deleted: 0 });
      const status = await engine.inspect(binding.id);
      expect(status).toMatchObject({
        adopted: true,
        currentKeyFingerprint: fingerprint(current.consumerKey),
        drift: [],
        lastRotation: { id: result.id, phase: 'completed' },
        pendingDeletions: [
          { keyFingerprint: fingerprint(oldKey), status: 'scheduled' },
        ],
      });
      expect(status.bornAt!.getTime()).toBe(newKey.issuedAt);

      // After the grace period (2 s in these tests) the old key is deleted.
      await new Promise(resolve => setTimeout(resolve, 2100));
      expect(await engine.retireOldKeys()).toMatchObject({
        deleted: 1,
        skipped: 0,
      });
      expect(world.appKeys(name).map(k => k.consumerKey)).toEqual([
        current.consumerKey,
      ]);
      await new Promise(resolve => setTimeout(resolve, 350)); // the key cache again
      expect(await world.gatewayAccepts(name, oldKey)).toBe(false);
      expect(await world.currentWorks(name)).toBe(true);
      expect((await engine.inspect(binding.id)).pendingDeletions).toEqual([]);
      expect(await engine.retireOldKeys()).toMatchObject({ deleted: 0 });
    },
  );

  it('gives the new key a manual-approval product the current key holds, and approves it', async () => {
    const name = `manual-${tag}`;
    const result = await engine.rotate(world.scenario(name).binding, {
      trigger: 'schedule',
    });
    expect(result.phase).toBe('completed');
    const current = world.secretValue(name)!;
    const newKey = world
      .appKeys(name)
      .find(k => k.consumerKey === current.consumerKey)!;
    expect(newKey.apiProducts).toEqual(
      expect.arrayContaining([
        { apiproduct: 'orders-api', status: 'approved' },
        { apiproduct: 'admin-api', status: 'approved' },
      ]),
    );
    expect(newKey.apiProducts).toHaveLength(2);
    await new Promise(resolve => setTimeout(resolve, 350));
    expect(
      await world.gatewayAccepts(name, current.consumerKey, '/admin'),
    ).toBe(true);
  });

  it('copies only the products the current key is approved for: a pending association is not escalated', async () => {
    const name = `partial-${tag}`;
    const result = await engine.rotate(world.scenario(name).binding, {
      trigger: 'manual',
    });
    expect(result.phase).toBe('completed');
    const current = world.secretValue(name)!;
    const newKey = world
      .appKeys(name)
      .find(k => k.consumerKey === current.consumerKey)!;
    expect(newKey.apiProducts).toEqual([
      { apiproduct: 'orders-api', status: 'approved' },
    ]);
  });

  it('without a probe, waits out the key propagation delay before promoting', async () => {
    const name = `noprobe-${tag}`;
    const slow = await world.createEngine({
      knex,
      instanceId: `slow-${tag}`,
      rotation: { keyPropagationDelay: { milliseconds: 800 } },
    });
    const started = Date.now();
    const { rotation, done } = await slow.startRotation(
      world.scenario(name).binding,
      { trigger: 'manual' },
    );
    // `associated` is normally stored with `tested`, but a run about to wait stores it, so
    // the progress shown while it waits is true.
    const seen = new Set<string>();
    while (Date.now() - started < 700) {
      seen.add((await slow.getRotation(rotation.id))!.phase);
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    expect(seen).toContain('associated');
    const result = await done;
    expect(result.phase).toBe('completed');
    expect(
      result.promotedAt!.getTime() - result.associatedAt!.getTime(),
    ).toBeGreaterThanOrEqual(790);
    expect(Date.now() - started).toBeGreaterThanOrEqual(790);
    expect(await world.currentWorks(name)).toBe(true);
  });

  it('probes a key:secret proxy (HTTP Basic) with the new pair', async () => {
    const name = `basic-probe-${tag}`;
    const result = await engine.rotate(world.scenario(name).binding, {
      trigger: 'manual',
    });
    expect(result.phase).toBe('completed');
  });

  it('refuses a secret in an AWS account outside the allow-list, before changing anything', async () => {
    const scenario = world.scenario(`normal-edge-${tag}`);
    const outside = {
      ...scenario.binding,
      id: `${scenario.binding.id}-outside`,
      secret: {
        name: scenario.secretName,
        accountId: OTHER_ACCOUNT_ID,
        region: REGION,
      },
    };
    const before = world.secretVersions(scenario.spec.name, OTHER_ACCOUNT_ID);
    const error = await engine.rotate(outside, { trigger: 'manual' }).then(
      () => undefined,
      e => e as Error,
    );
    thrownMessages.push(String(error?.message));
    expect(error?.name).toBe('NotAllowedError');
    expect(error?.message).toContain(`AWS account ${OTHER_ACCOUNT_ID}`);
    expect(await engine.listRotations(outside.id)).toEqual([]);
    expect(world.secretVersions(scenario.spec.name, OTHER_ACCOUNT_ID)).toEqual(
      before,
    );
    expect(ACCOUNT_ID).not.toBe(OTHER_ACCOUNT_ID);
  });

  it('rotateDue: adopts bindings, rotates those older than their max age, and leaves the others alone', async () => {
    const scenario = world.scenario(`due-${tag}`);
    // The seeded key is 30 days old: due with a 7-day max age.
    await engine.syncBindings([{ ...scenario.binding, maxAge: 'P7D' }]);
    const before = await engine.listRotations(scenario.binding.id);
    expect(before).toEqual([]);

    const rotated = await engine.rotateDue();

    expect(rotated.map(r => [r.bindingId, r.trigger, r.phase])).toEqual([
      [scenario.binding.id, 'schedule', 'completed'],
    ]);
    expect(await world.currentWorks(`due-${tag}`)).toBe(true);
    expect(await engine.rotateDue()).toEqual([]); // now young again
    const status = await engine.inspect(scenario.binding.id);
    expect(status.rotationDueAt!.getTime() - status.bornAt!.getTime()).toBe(
      7 * 24 * 3600_000,
    );
  });

  it('a scheduled rotation after its check proves ownership once, then reads what it needs itself', async () => {
    const scenario = world.scenario(`reads-${tag}`);
    await engine.syncBindings([{ ...scenario.binding, maxAge: 'P7D' }]);
    const before = world.sandbox.faults.counters().calls;

    // As the scheduled pass does: check (and adopt), then rotate the due credential.
    const status = await engine.adopt(scenario.binding.id);
    expect(status.rotationDueAt!.getTime()).toBeLessThan(Date.now());
    const result = await engine.rotate(scenario.binding.id, {
      trigger: 'schedule',
      afterCheck: true,
    });

    expect(result.phase).toBe('completed');
    expect(await world.currentWorks(`reads-${tag}`)).toBe(true);
    const after = world.sandbox.faults.counters().calls;
    const calls = Object.fromEntries(
      Object.keys(after).map(op => [op, after[op] - (before[op] ?? 0)]),
    );
    // The gateway is probed until Apigee's key cache lets the new key through.
    expect(calls['gateway.verify']).toBeGreaterThanOrEqual(1);
    delete calls['gateway.verify'];
    expect(
      Object.fromEntries(Object.entries(calls).filter(([, n]) => n > 0)),
    ).toEqual({
      // The check reads the secret's tags (the ownership proof) beside the app, and the
      // value of a new binding's AWSCURRENT; the rotation reads AWSCURRENT and the app
      // itself (nothing is handed over from the check), and the test step reads the app
      // again after the changes. The association's answer carries the statuses, so that
      // step does not read.
      'secretsmanager.DescribeSecret': 1,
      'apigee.apps.get': 3,
      'apigee.developers.get': 3,
      'apigee.keys.create': 1,
      'apigee.keys.update': 1,
      'secretsmanager.GetSecretValue': 2,
      'secretsmanager.PutSecretValue': 1,
      'secretsmanager.UpdateSecretVersionStage': 2,
    });
  });

  it('a scheduled rotation after a check that found the ownership marks gone is refused, and changes nothing', async () => {
    const name = `unmarked-${tag}`;
    const scenario = world.scenario(name);
    await engine.syncBindings([{ ...scenario.binding, maxAge: 'P7D' }]);
    expect((await engine.adopt(scenario.binding.id)).ownership?.state).toBe(
      'verified',
    );
    world.sandbox.secrets.untagResource(
      { accountId: ACCOUNT_ID, region: REGION },
      { SecretId: scenario.secretName, TagKeys: [OWNER_TAG] },
    );
    const checked = await engine.adopt(scenario.binding.id);
    expect(checked.ownership?.state).toBe('unverified');
    const keysBefore = world.appKeys(name);

    await expect(
      engine.rotate(scenario.binding.id, {
        trigger: 'schedule',
        afterCheck: true,
      }),
    ).rejects.toThrow(OwnershipUnverifiedError);
    expect(await engine.rotateDue()).toEqual([]);
    expect(await engine.listRotations(scenario.binding.id)).toEqual([]);
    expect(world.appKeys(name)).toEqual(keysBefore);
  });

  it('refuses a probe URL outside the allowed prefixes: a new key is never sent elsewhere', async () => {
    const scenario = world.scenario(`normal-edge-${tag}`);
    const keysBefore = world.appKeys(scenario.spec.name).length;
    for (const url of [
      'https://attacker.example.com/gateway/acme-edge/orders',
      `${world.url}/_sandbox/health`,
      `${world.url}/gateway-evil/acme-edge/orders`,
    ]) {
      const error = await engine
        .rotate(
          {
            ...scenario.binding,
            id: 'component:default/probe#prod',
            probe: { url },
          },
          { trigger: 'manual' },
        )
        .then(
          () => undefined,
          e => e as Error,
        );
      thrownMessages.push(String(error?.message));
      expect({ url, name: error?.name }).toEqual({
        url,
        name: 'NotAllowedError',
      });
      expect(error?.message).toContain('allowedProbeUrlPrefixes');
    }
    expect(await engine.listRotations('component:default/probe#prod')).toEqual(
      [],
    );
    expect(world.appKeys(scenario.spec.name)).toHaveLength(keysBefore);
  });

  it('checkTarget validates a binding without any network call; storedStatus reads only the database', async () => {
    const scenario = world.scenario(`normal-edge-${tag}`);
    expect(() => engine.checkTarget(scenario.binding)).not.toThrow();
    expect(() =>
      engine.checkTarget({
        ...scenario.binding,
        secret: { name: 'x', accountId: OTHER_ACCOUNT_ID, region: REGION },
      }),
    ).toThrow('is not in apigeeCredentials.aws.allowedAccountIds');
    expect(() =>
      engine.checkTarget({ ...scenario.binding, provider: 'nope' }),
    ).toThrow('No key provider named nope');
    expect(() =>
      engine.checkTarget({ ...scenario.binding, gracePeriod: 'soon' }),
    ).toThrow('gracePeriod of');
    expect(
      await engine.storedStatus('component:default/unknown#prod'),
    ).toBeUndefined();
    const calls = world.sandbox.faults.callCount();
    const status = await engine.storedStatus(scenario.binding.id);
    expect(world.sandbox.faults.callCount()).toBe(calls);
    expect(status).toMatchObject({
      adopted: true,
      lastRotation: { phase: 'completed' },
    });
  });

  it('reads the stored status of many credentials in four queries, as it reads each alone', async () => {
    const ids = (await engine.listTargetClaims()).map(c => c.bindingId);
    expect(ids.length).toBeGreaterThan(3);
    const oneByOne = await Promise.all(
      ids.map(bindingId => engine.storedStatus(bindingId)),
    );
    expect(oneByOne.some(s => s?.lastRotation)).toBe(true);

    const queries: string[] = [];
    const count = (query: { sql: string }) => queries.push(query.sql);
    knex.on('query', count);
    const unknown = 'component:default/unknown#prod';
    const batched = await engine.storedStatuses([...ids, unknown]);
    knex.off('query', count);

    expect(queries).toHaveLength(4);
    expect(ids.map(bindingId => batched.get(bindingId))).toEqual(oneByOne);
    expect(batched.has(unknown)).toBe(false);
  });

  it('rejects unknown bindings and providers with clear errors', async () => {
    await expect(
      engine.rotate('component:default/nope#prod', { trigger: 'manual' }),
    ).rejects.toThrow(
      'No credential binding with id component:default/nope#prod',
    );
    const scenario = world.scenario(`normal-edge-${tag}`);
    await expect(
      engine.rotate(
        {
          ...scenario.binding,
          id: 'component:default/other#prod',
          provider: 'vault',
        },
        { trigger: 'manual' },
      ),
    ).rejects.toThrow(
      'No key provider named vault; known providers: edge, edge-tight, x',
    );
  });
});

it('leaves no generated secret value in logs, table rows, errors or events', async () => {
  const { leaks, scannedValues, scannedTexts } = await findSecretLeaks(
    world,
    knexes,
    thrownMessages,
  );
  expect(scannedValues).toBeGreaterThan(20);
  expect(scannedTexts).toBeGreaterThan(50);
  expect(leaks).toEqual([]);
});
