import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import { createTestDatabases } from './__testUtils__/databases';
import { startPluginBackend } from './__testUtils__/pluginBackend';
import { ACCOUNT_ID, REGION, TestWorld } from './__testUtils__/world';

jest.setTimeout(120_000);

/*
 * Two replicas of the real plugin (two backends, each with its own connection pool) on one
 * PostgreSQL database get the same rotate requests at the same moment. The per-binding lease
 * must let exactly one of them rotate; the other answers 409 (a rotation is running) or,
 * when the first one already finished, 429 (manual cooldown).
 */
const databases = createTestDatabases();
const postgres = databases
  .eachSupportedId()
  .filter(([id]) => id === 'POSTGRES_15');

const API = '/api/apigee-credentials/v1';
const NAMES = Array.from({ length: 8 }, (_, i) => `replica-${i}`);
const world = new TestWorld(
  NAMES.map((name, i) => ({
    name,
    flavor: i % 2 ? ('x' as const) : ('edge' as const),
    probePath: null,
  })),
);

function entityOf(name: string): Entity {
  const s = world.scenario(name);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'apigee.keyrotation.dev/prod': [
          `provider: ${s.spec.flavor}`,
          `developer: ${s.developer}`,
          `app: ${s.app}`,
          `secret: ${s.secretName}`,
          `account: '${ACCOUNT_ID}'`,
          `region: ${REGION}`,
        ].join('\n'),
      },
    },
    spec: { type: 'service', owner: 'team-a' },
  };
}

async function startReplica(knex: Knex) {
  const config = world.configData({
    // Long enough that the second request usually finds the first rotation running.
    keyPropagationDelay: { milliseconds: 500 },
  }) as any;
  config.apigeeCredentials.manualRotationCooldown = { minutes: 5 };
  return startPluginBackend({ knex, entities: NAMES.map(entityOf), config });
}

const knexes: Knex[] = [];
beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  for (const knex of knexes) await knex.destroy().catch(() => {});
  await world.stop();
});

if (postgres.length === 0) {
  // Without a PostgreSQL connection string there is no shared database to test on; CI sets
  // APIGEE_CREDENTIALS_REQUIRE_POSTGRES=1, which makes createTestDatabases() fail instead.
  it('needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING)', () => {
    expect(process.env.APIGEE_CREDENTIALS_REQUIRE_POSTGRES).not.toBe('1');
  });
}

describe.each(postgres)('two replicas on %s', databaseId => {
  it('rotate requests sent to both replicas at once rotate each binding exactly once: one 202, the other 409 or 429, no duplicate key', async () => {
    const first = await databases.init(databaseId);
    // A second, independent pool to the same database, as a second process would have.
    const second = knexFactory(first.client.config as Knex.Config);
    knexes.push(second);
    const a = await startReplica(first);
    const b = await startReplica(second);
    try {
      await a.runPass(); // catalog sync + adoption, into the shared tables
      const user = mockCredentials.user.header('user:default/olivia');

      const responses = await Promise.all(
        NAMES.map(async name => {
          const path = `${API}/entities/default/component/${name}/credentials/prod/rotate`;
          const [fromA, fromB] = await Promise.all([
            request(a.server).post(path).set('Authorization', user),
            request(b.server).post(path).set('Authorization', user),
          ]);
          return { name, statuses: [fromA, fromB] };
        }),
      );
      const outcome: Record<string, number[]> = {};
      for (const { name, statuses } of responses) {
        outcome[name] = statuses.map(r => r.status).sort();
        const refused = statuses.find(r => r.status !== 202)!;
        expect(refused.body.error?.message).toMatch(
          /rotation .*running|in progress|rotated .* ago/i,
        );
      }
      for (const name of NAMES) {
        const [accepted, refused] = outcome[name];
        expect({
          name,
          accepted,
          refusedAsDocumented: [409, 429].includes(refused),
        }).toEqual({
          name,
          accepted: 202,
          refusedAsDocumented: true,
        });
      }

      // Wait for the accepted rotations to finish on whichever replica runs them.
      const deadline = Date.now() + 60_000;
      let open = 1;
      while (open > 0 && Date.now() < deadline) {
        open = Number(
          (
            await first('rotations')
              .whereNotIn('phase', ['completed', 'failed'])
              .count({ n: '*' })
          )[0].n,
        );
        if (open) await new Promise(r => setTimeout(r, 200));
      }
      expect(open).toBe(0);

      const rows = await first('rotations').select('binding_id', 'phase');
      for (const name of NAMES) {
        const s = world.scenario(name);
        const mine = rows.filter(r => r.binding_id === s.binding.id);
        const keys = world.appKeys(name).map(k => k.consumerKey);
        const current = world.secretValue(name)!.consumerKey;
        expect({
          name,
          rotations: mine.map(r => r.phase),
          keys: keys.length,
          distinctKeys: new Set(keys).size,
          currentIsNew: current !== s.initialKey,
          currentInApp: keys.includes(current),
          versions: world.secretVersions(name).length,
          pending: world.pendingVersions(name).length,
          works: await world.currentWorks(name),
        }).toEqual({
          name,
          rotations: ['completed'],
          keys: 2, // the old key in its grace period and the one new key
          distinctKeys: 2,
          currentIsNew: true,
          currentInApp: true,
          versions: 2,
          pending: 0,
          works: true,
        });
      }
    } finally {
      await a.backend.stop();
      await b.backend.stop();
    }
  });
});
