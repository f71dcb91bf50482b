import { TestDatabaseId } from '@backstage/backend-test-utils';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import { TestWorld, material } from '../__testUtils__/world';
import { RotationEngine } from './RotationEngine';
import { DriftProblem } from './types';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const dbs = databases.eachSupportedId().map(([id]) => ({
  id: id as TestDatabaseId,
  tag: id.toLowerCase().replace('_', ''),
}));

/** Each scenario makes the key unusable in one way; the engine must say which. */
const DRIFTS: Array<{
  kind: string;
  code: DriftProblem['code'];
  spec: Record<string, unknown>;
}> = [
  { kind: 'missing', code: 'key-missing', spec: { keyInApp: false } },
  { kind: 'revoked', code: 'key-revoked', spec: { keyStatus: 'revoked' } },
  {
    kind: 'expired',
    code: 'key-expired',
    spec: { expiresAt: Date.now() - 3600_000 },
  },
  { kind: 'noproducts', code: 'no-products', spec: { products: [] } },
  {
    kind: 'pendingonly',
    code: 'no-products',
    spec: { products: [{ name: 'admin-api', status: 'pending' }] },
  },
  { kind: 'apprevoked', code: 'app-revoked', spec: { appStatus: 'revoked' } },
  {
    kind: 'malformed',
    code: 'secret-malformed',
    spec: { secretValue: { consumerKey: 'only-the-key-is-here' } },
  },
];

const world = new TestWorld(
  dbs.flatMap(({ tag }) => [
    ...DRIFTS.map(d => ({
      name: `drift-${d.kind}-${tag}`,
      flavor: 'edge' as const,
      ...d.spec,
    })),
    { name: `healthy-${tag}`, flavor: 'x' as const },
    { name: `replaced-${tag}`, flavor: 'edge' as const },
  ]),
);
const knexes: Knex[] = [];

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await world.stop();
});

describe.each(dbs)(
  'adoption and drift on $id: birth of a new binding, and each way a key is unusable',
  ({ id, tag }) => {
    let knex: Knex;
    let engine: RotationEngine;

    beforeAll(async () => {
      knex = await databases.init(id);
      knexes.push(knex);
      engine = await world.createEngine({ knex, instanceId: `engine-${tag}` });
    });

    it('adopts a binding the first time: finds the AWSCURRENT key in the app and records its issue time as birth', async () => {
      const scenario = world.scenario(`healthy-${tag}`);
      const issuedAt = world.appKeys(scenario.spec.name)[0].issuedAt;

      const status = await engine.adopt(scenario.binding);

      expect(status).toMatchObject({
        adopted: true,
        currentKeyFingerprint: fingerprint(scenario.initialKey),
        drift: [],
      });
      expect(status.bornAt?.getTime()).toBe(issuedAt);
      // Default max age is 90 days; the seeded key is 30 days old.
      expect(status.rotationDueAt?.getTime()).toBe(
        issuedAt + 90 * 24 * 3600_000,
      );
      // Adoption changed nothing outside.
      expect(world.appKeys(scenario.spec.name)).toHaveLength(1);
      expect(world.secretVersions(scenario.spec.name)).toHaveLength(1);
      // rotateDue does not rotate a credential younger than its max age.
      expect(await engine.rotateDue()).toEqual([]);
    });

    it.each(DRIFTS)(
      'reports drift "$code" ($kind) without repairing it, and refuses to rotate',
      async ({ kind, code }) => {
        const name = `drift-${kind}-${tag}`;
        const scenario = world.scenario(name);
        const keysBefore = world.appKeys(name);
        const versionsBefore = world.secretVersions(name);

        const status = await engine.adopt(scenario.binding);
        expect(status.drift.map(p => p.code)).toContain(code);
        expect(status.drift.every(p => p.message.length > 10)).toBe(true);
        expect(world.events).toContainEqual(
          expect.objectContaining({
            type: 'drift.detected',
            bindingId: scenario.binding.id,
          }),
        );

        const result = await engine.rotate(scenario.binding.id, {
          trigger: 'schedule',
        });
        expect(result).toMatchObject({
          phase: 'failed',
          failedPhase: 'started',
          errorCode: 'drift',
        });
        expect(result.error).toContain('not healthy');

        // Not repaired: Apigee and Secrets Manager are exactly as they were.
        expect(world.appKeys(name)).toEqual(keysBefore);
        expect(
          world.secretVersions(name).map(v => [v.versionId, v.stages]),
        ).toEqual(versionsBefore.map(v => [v.versionId, v.stages]));
        expect(
          (await engine.inspect(scenario.binding.id)).drift.map(p => p.code),
        ).toContain(code);
      },
    );

    it('reports a key replaced outside the plugin; a scheduled rotation refuses, a manual one adopts it explicitly', async () => {
      const name = `replaced-${tag}`;
      const scenario = world.scenario(name);
      expect((await engine.adopt(scenario.binding)).drift).toEqual([]);

      // Someone creates a key by hand and writes it into the secret.
      const manualKey = material('manualkey_');
      const manualSecret = material('manualsecret_');
      world.sandbox.apigee.createKey(
        scenario.org,
        scenario.developer,
        scenario.app,
        {
          consumerKey: manualKey,
          consumerSecret: manualSecret,
          expiresAt: -1,
        },
      );
      world.sandbox.apigee.updateKey(
        scenario.org,
        scenario.developer,
        scenario.app,
        manualKey,
        {
          apiProducts: ['orders-api'],
        },
      );
      world.sandbox.secrets.putSecretValue(
        { accountId: '111111111111', region: 'eu-west-1' },
        {
          SecretId: scenario.secretName,
          SecretString: JSON.stringify({
            consumerKey: manualKey,
            consumerSecret: manualSecret,
          }),
          ClientRequestToken: '00000000-0000-4000-8000-000000000001',
        },
      );

      const status = await engine.inspect(scenario.binding.id);
      expect(status.drift.map(p => p.code)).toEqual([
        'replaced-outside-plugin',
      ]);
      expect(status.currentKeyFingerprint).toBe(
        fingerprint(scenario.initialKey),
      );

      const scheduled = await engine.rotate(scenario.binding.id, {
        trigger: 'schedule',
      });
      expect(scheduled).toMatchObject({ phase: 'failed', errorCode: 'drift' });
      expect(world.secretValue(name)?.consumerKey).toBe(manualKey);

      const manual = await engine.rotate(scenario.binding.id, {
        trigger: 'manual',
      });
      expect(manual).toMatchObject({
        phase: 'completed',
        oldKeyFingerprint: fingerprint(manualKey),
      });
      expect((await engine.inspect(scenario.binding.id)).drift).toEqual([]);
    });
  },
);

it('leaves no generated secret value in logs, table rows, errors or events', async () => {
  const { leaks } = await findSecretLeaks(world, knexes);
  expect(leaks).toEqual([]);
});
