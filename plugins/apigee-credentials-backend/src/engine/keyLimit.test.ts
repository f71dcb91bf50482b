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
    // tight-edge allows 3 keys per app: current + a revoked one + an old approved one = full,
    // none of them issued by the plugin.
    {
      name: `full-${tag}`,
      flavor: 'edge-tight' as const,
      extraKeys: [
        { status: 'approved' as const, issuedAt: Date.now() - 400 * DAY },
        { status: 'revoked' as const, issuedAt: Date.now() - 10 * DAY },
      ],
    },
    // Rotated with a grace period that is over at once: its own old keys may make room.
    {
      name: `past-grace-${tag}`,
      flavor: 'edge-tight' as const,
      gracePeriod: 1,
    },
    // Rotated repeatedly with a long grace period: old keys pile up and must not be deleted.
    {
      name: `grace-${tag}`,
      flavor: 'edge-tight' as const,
      gracePeriod: 'PT1H',
    },
    // Two consumers of one app, each with its own secret; the second key is the app's oldest.
    { name: `shared-${tag}`, flavor: 'edge-tight' as const },
    {
      name: `second-consumer-${tag}`,
      flavor: 'edge-tight' as const,
      appOf: `shared-${tag}`,
      issuedAt: Date.now() - 500 * DAY,
    },
    // The provider is not told the limit (10 in acme-edge): Apigee's refusal reveals it.
    {
      name: `undeclared-${tag}`,
      flavor: 'edge' as const,
      gracePeriod: 1,
      extraKeys: Array.from({ length: 8 }, (_, i) => ({
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

describe.each(dbs)('key limit on $id', ({ id, tag }) => {
  let knex: Knex;
  let engine: RotationEngine;

  beforeAll(async () => {
    knex = await databases.init(id);
    knexes.push(knex);
    engine = await world.createEngine({ knex, instanceId: `engine-${tag}` });
  });

  const rotate = (name: string) =>
    engine.rotate(world.scenario(name).binding, { trigger: 'manual' });

  it('makes room in a full app by deleting its own old key whose grace period is over, oldest first', async () => {
    const name = `past-grace-${tag}`;
    expect((await rotate(name)).phase).toBe('completed');
    expect((await rotate(name)).phase).toBe('completed');
    const full = world.appKeys(name);
    expect(full).toHaveLength(3);
    const initial = world.scenario(name).initialKey;

    const result = await rotate(name);

    expect(result.phase).toBe('completed');
    const after = world.appKeys(name).map(k => k.consumerKey);
    expect(after).toHaveLength(3);
    expect(after).not.toContain(initial);
    expect(world.events).toContainEqual({
      type: 'key.deleted',
      bindingId: world.scenario(name).binding.id,
      keyFingerprint: fingerprint(initial),
      reason: 'key-limit',
    });
    expect(await world.currentWorks(name)).toBe(true);
  });

  it('never deletes a key the plugin did not issue for the credential, not even a revoked one: fails with key-limit and says what blocks', async () => {
    const name = `full-${tag}`;
    const before = world.appKeys(name).map(k => k.consumerKey);
    expect(before).toHaveLength(3);

    const refused = await rotate(name);

    expect(refused).toMatchObject({
      phase: 'failed',
      failedPhase: 'created',
      errorCode: 'key-limit',
    });
    expect(refused.error).toContain('holds 3 keys, the most it may have (3)');
    expect(refused.error).toContain(
      '2 key(s) were not issued by the plugin for this credential',
    );
    expect(world.appKeys(name).map(k => k.consumerKey)).toEqual(before);
    expect(world.pendingVersions(name)).toEqual([]);
    expect(await world.currentWorks(name)).toBe(true);
  });

  it('a second consumer of the app keeps its key through a rotation of the first at the key limit', async () => {
    const first = `shared-${tag}`;
    const second = `second-consumer-${tag}`;
    // The second consumer's binding is known to the engine, with its key recorded.
    await engine.adopt(world.scenario(second).binding);
    expect((await rotate(first)).phase).toBe('completed'); // 3 keys now: the limit
    expect(world.appKeys(first)).toHaveLength(3);

    const refused = await rotate(first);

    expect(refused).toMatchObject({ phase: 'failed', errorCode: 'key-limit' });
    expect(refused.error).toContain(
      '1 key(s) are the current keys of other credentials of the app',
    );
    expect(world.appKeys(first).map(k => k.consumerKey)).toContain(
      world.scenario(second).initialKey,
    );
    expect(await world.currentWorks(second)).toBe(true);
    expect(await world.currentWorks(first)).toBe(true);
  });

  it('fails with a clear reason when only the current key and keys in their grace period remain, never deleting the current key', async () => {
    const name = `grace-${tag}`;
    expect((await rotate(name)).phase).toBe('completed');
    expect((await rotate(name)).phase).toBe('completed');
    const full = world.appKeys(name).map(k => k.consumerKey);
    expect(full).toHaveLength(3);
    const current = world.secretValue(name)!;

    const refused = await rotate(name);

    expect(refused).toMatchObject({
      phase: 'failed',
      failedPhase: 'created',
      errorCode: 'key-limit',
    });
    expect(refused.error).toContain('holds 3 keys, the most it may have (3)');
    expect(refused.error).toContain(
      '2 key(s) of this credential are in their grace period',
    );
    expect(world.appKeys(name).map(k => k.consumerKey)).toEqual(full);
    expect(world.secretValue(name)).toEqual(current);
    expect(world.pendingVersions(name)).toEqual([]);
    expect(await world.currentWorks(name)).toBe(true);
  });

  it('when the provider does not declare its limit, learns it from Apigee refusing the import, makes room and retries', async () => {
    const name = `undeclared-${tag}`;
    expect((await rotate(name)).phase).toBe('completed'); // 10 keys: Apigee's limit
    expect(world.appKeys(name)).toHaveLength(10);
    const initial = world.scenario(name).initialKey;

    const result = await rotate(name);

    expect(result.phase).toBe('completed');
    const after = world.appKeys(name).map(k => k.consumerKey);
    expect(after).toHaveLength(10);
    expect(after).not.toContain(initial);
  });
});

it('leaves no generated secret value in logs, table rows, errors or events', async () => {
  const { leaks } = await findSecretLeaks(world, knexes);
  expect(leaks).toEqual([]);
});
