import { TestDatabaseId } from '@backstage/backend-test-utils';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import { TestWorld } from '../__testUtils__/world';
import { RotationEngine } from './RotationEngine';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const dbs = databases.eachSupportedId().map(([id]) => ({
  id: id as TestDatabaseId,
  tag: id.toLowerCase().replace('_', ''),
}));
const DAY = 24 * 3600_000;

const world = new TestWorld(
  dbs.flatMap(({ tag }) => [
    // tight-edge allows 3 keys per app: current + a revoked one + an old approved one = full.
    {
      name: `full-${tag}`,
      flavor: 'edge-tight' as const,
      extraKeys: [
        { status: 'approved' as const, issuedAt: Date.now() - 400 * DAY },
        { status: 'revoked' as const, issuedAt: Date.now() - 10 * DAY },
      ],
    },
    // Rotated repeatedly with a long grace period: old keys pile up and must not be deleted.
    {
      name: `grace-${tag}`,
      flavor: 'edge-tight' as const,
      gracePeriod: 'PT1H',
    },
    // The provider is not told the limit (10 in acme-edge): Apigee's refusal reveals it.
    {
      name: `undeclared-${tag}`,
      flavor: 'edge' as const,
      extraKeys: Array.from({ length: 9 }, (_, i) => ({
        status: 'approved' as const,
        issuedAt: Date.now() - (100 + i) * DAY,
      })),
    },
  ]),
);
const knexes: Knex[] = [];

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await world.stop();
});

describe.each(dbs)('key limit on $id (issue item 5, ref D)', ({ id, tag }) => {
  let knex: Knex;
  let engine: RotationEngine;

  beforeAll(async () => {
    knex = await databases.init(id);
    knexes.push(knex);
    engine = await world.createEngine({ knex, instanceId: `engine-${tag}` });
  });

  it('makes room in a full app by deleting a key that is neither current, pending nor in a grace period, dead keys first', async () => {
    const name = `full-${tag}`;
    const before = world.appKeys(name);
    expect(before).toHaveLength(3);
    const revoked = before.find(k => k.status === 'revoked')!;
    const oldApproved = before.find(
      k =>
        k.status === 'approved' &&
        k.consumerKey !== world.scenario(name).initialKey,
    )!;

    const result = await engine.rotate(world.scenario(name).binding, {
      trigger: 'manual',
    });

    expect(result.phase).toBe('completed');
    const after = world.appKeys(name).map(k => k.consumerKey);
    expect(after).toHaveLength(3);
    expect(after).not.toContain(revoked.consumerKey);
    expect(after).toContain(oldApproved.consumerKey);
    expect(after).toContain(world.scenario(name).initialKey); // in its grace period now
    expect(world.events).toContainEqual({
      type: 'key.deleted',
      bindingId: world.scenario(name).binding.id,
      keyFingerprint: fingerprint(revoked.consumerKey),
      reason: 'key-limit',
    });
    expect(await world.currentWorks(name)).toBe(true);
  });

  it('fails with a clear reason when only the current key and keys in their grace period remain, never deleting the current key', async () => {
    const name = `grace-${tag}`;
    const binding = world.scenario(name).binding;
    expect((await engine.rotate(binding, { trigger: 'manual' })).phase).toBe(
      'completed',
    );
    expect((await engine.rotate(binding, { trigger: 'manual' })).phase).toBe(
      'completed',
    );
    const full = world.appKeys(name).map(k => k.consumerKey);
    expect(full).toHaveLength(3);
    const current = world.secretValue(name)!;

    const refused = await engine.rotate(binding, { trigger: 'manual' });

    expect(refused).toMatchObject({
      phase: 'failed',
      failedPhase: 'created',
      errorCode: 'key-limit',
    });
    expect(refused.error).toContain('holds 3 keys, the most it may have (3)');
    expect(refused.error).toContain('2 key(s) are in their grace period');
    expect(world.appKeys(name).map(k => k.consumerKey)).toEqual(full);
    expect(world.secretValue(name)).toEqual(current);
    expect(world.pendingVersions(name)).toEqual([]);
    expect(await world.currentWorks(name)).toBe(true);
  });

  it('when the provider does not declare its limit, learns it from Apigee refusing the import, makes room and retries', async () => {
    const name = `undeclared-${tag}`;
    const before = world.appKeys(name);
    expect(before).toHaveLength(10);
    const oldest = [...before]
      .filter(k => k.consumerKey !== world.scenario(name).initialKey)
      .sort((a, b) => a.issuedAt - b.issuedAt)[0];

    const result = await engine.rotate(world.scenario(name).binding, {
      trigger: 'manual',
    });

    expect(result.phase).toBe('completed');
    const after = world.appKeys(name).map(k => k.consumerKey);
    expect(after).toHaveLength(10);
    expect(after).not.toContain(oldest.consumerKey);
    expect(after).toContain(world.scenario(name).initialKey);
  });
});

it('leaves no generated secret value in logs, table rows, errors or events', async () => {
  const { leaks } = await findSecretLeaks(world, knexes);
  expect(leaks).toEqual([]);
});
