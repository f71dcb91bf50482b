import { TestDatabaseId } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import { TestWorld } from '../__testUtils__/world';
import { RotationInProgressError } from './failures';
import { RotationEngine } from './RotationEngine';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const dbs = databases.eachSupportedId().map(([id]) => ({
  id: id as TestDatabaseId,
  tag: id.toLowerCase().replace('_', ''),
}));
const ROUNDS = 4;

const world = new TestWorld(
  dbs.flatMap(({ tag }) => [
    ...Array.from({ length: ROUNDS }, (_, i) => ({
      name: `race-${i}-${tag}`,
      flavor: (i % 2 ? 'x' : 'edge') as 'x' | 'edge',
    })),
    { name: `slow-${tag}`, flavor: 'edge' as const, probePath: null },
  ]),
);
const knexes: Knex[] = [];
const extraKnexes: Knex[] = [];

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await Promise.all(extraKnexes.map(k => k.destroy()));
  await world.stop();
});

/**
 * A second connection pool to the same database, as a second backend replica would have.
 * SQLite's test database lives in memory, so there the replicas share the connection.
 */
function secondConnection(knex: Knex): Knex {
  const config = knex.client.config as Knex.Config;
  if (config.client !== 'pg') return knex;
  const other = knexFactory({
    client: 'pg',
    connection: config.connection,
    pool: { min: 0, max: 5 },
  });
  extraKnexes.push(other);
  return other;
}

describe.each(dbs)(
  'two engines on one $id database, as two backend replicas: each rotation happens once',
  ({ id, tag }) => {
    let engineA: RotationEngine;
    let engineB: RotationEngine;

    beforeAll(async () => {
      const knex = await databases.init(id);
      knexes.push(knex);
      engineA = await world.createEngine({
        knex,
        instanceId: `replica-a-${tag}`,
      });
      engineB = await world.createEngine({
        knex: secondConnection(knex),
        instanceId: `replica-b-${tag}`,
      });
    });

    it.each(Array.from({ length: ROUNDS }, (_, round) => ({ round })))(
      'asked to rotate the same binding at the same moment, they produce exactly one rotation (round $round)',
      async ({ round }) => {
        const name = `race-${round}-${tag}`;
        const binding = world.scenario(name).binding;
        await engineA.syncBindings([binding]);

        const attempts = await Promise.allSettled([
          engineA.startRotation(binding.id, {
            trigger: 'manual',
            actor: 'user:default/a',
          }),
          engineB.startRotation(binding.id, { trigger: 'schedule' }),
        ]);

        const started = attempts.filter(a => a.status === 'fulfilled');
        const refused = attempts.filter(a => a.status === 'rejected');
        expect(started).toHaveLength(1);
        expect(refused).toHaveLength(1);
        const reason = (refused[0] as PromiseRejectedResult).reason;
        expect(reason).toBeInstanceOf(RotationInProgressError);
        expect(reason.name).toBe('ConflictError');
        const result = await (
          started[0] as PromiseFulfilledResult<{ done: Promise<any> }>
        ).value.done;
        expect(result.phase).toBe('completed');

        const rotations = await engineB.listRotations(binding.id);
        expect(rotations).toHaveLength(1);
        expect(world.appKeys(name)).toHaveLength(2); // old (grace period) + new: no extra key
        expect(world.pendingVersions(name)).toEqual([]);
        expect(await world.currentWorks(name)).toBe(true);
      },
    );

    it('keeps its lease alive during a long step: the other replica neither starts a rotation nor takes the running one over', async () => {
      const name = `slow-${tag}`;
      const binding = world.scenario(name).binding;
      // Waiting 3 s for the key cache, with a 2 s lease: only renewals keep the lease.
      const slowEngine = await world.createEngine({
        knex: knexes[knexes.length - 1],
        instanceId: `replica-slow-${tag}`,
        rotation: { keyPropagationDelay: { seconds: 3 } },
      });
      const { rotation, done } = await slowEngine.startRotation(binding, {
        trigger: 'manual',
      });

      await new Promise(resolve => setTimeout(resolve, 2500));
      await expect(
        engineB.startRotation(binding.id, { trigger: 'manual' }),
      ).rejects.toThrow(
        `A rotation of credential ${binding.id} is already in progress (rotation ${rotation.id})`,
      );
      expect(await engineB.resume()).toEqual([]);

      const result = await done;
      expect(result).toMatchObject({
        id: rotation.id,
        phase: 'completed',
        attempts: 1,
      });
      expect(await engineB.listRotations(binding.id)).toHaveLength(1);
    });
  },
);

it('leaves no generated secret value in logs, table rows, errors or events', async () => {
  const { leaks } = await findSecretLeaks(world, knexes);
  expect(leaks).toEqual([]);
});
