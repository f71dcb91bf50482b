import { TestDatabaseId } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import {
  createTestDatabases,
  databaseService,
  PG_CONNECTION_ENV,
} from '../__testUtils__/databases';
import { CredentialBinding } from '../engine/types';
import { DatabaseRotationStore } from './DatabaseRotationStore';
import { applyMigrations } from './migrations';
import { Lease, LeaseLostError } from './RotationStore';

jest.setTimeout(30_000);

const databases = createTestDatabases();
const LEASE_MS = 10_000;

const binding = (
  id: string,
  patch: Partial<CredentialBinding> = {},
): CredentialBinding => ({
  id,
  entityRef: 'component:default/orders',
  environment: 'prod',
  provider: 'edge',
  developer: 'orders@example.com',
  app: 'orders-app',
  secret: {
    name: 'svc/orders',
    accountId: '111111111111',
    region: 'eu-west-1',
  },
  ...patch,
});

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

it('runs against PostgreSQL when CI asks for it', () => {
  const required = process.env.APIGEE_CREDENTIALS_REQUIRE_POSTGRES === '1';
  const ids = databases.eachSupportedId().map(([id]) => id);
  expect({
    required,
    configured: Boolean(process.env[PG_CONNECTION_ENV]) || !required,
  }).toEqual({
    required,
    configured: true,
  });
  expect(ids.includes('POSTGRES_15') || !required).toBe(true);
  expect(ids).toContain('SQLITE_3');
});

describe.each(databases.eachSupportedId())(
  'DatabaseRotationStore on %s',
  databaseId => {
    let knex: Knex;
    let store: DatabaseRotationStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId as TestDatabaseId);
      store = new DatabaseRotationStore(
        await applyMigrations(databaseService(knex)),
        LEASE_MS,
      );
    });

    it('applies its migrations, and skips them when told to (backend.database…migrations.skip)', async () => {
      expect(await knex.schema.hasTable('rotations')).toBe(true);
      const fresh = await databases.init(databaseId as TestDatabaseId);
      await applyMigrations(databaseService(fresh, true));
      expect(await fresh.schema.hasTable('rotations')).toBe(false);
      // And the migration goes down cleanly.
      await knex.migrate.rollback(
        { directory: `${__dirname}/../../migrations` },
        true,
      );
      expect(await knex.schema.hasTable('rotations')).toBe(false);
    });

    it('selects for a check only new, changed and due bindings, never-checked first, at most the batch', async () => {
      await store.upsertBindings(
        [binding('b1'), binding('b2'), binding('b3')],
        at(0),
      );
      expect(await store.listBindingsToCheck(at(0), 10)).toEqual([
        'b1',
        'b2',
        'b3',
      ]);
      const checked = (nextCheckAt: Date) => ({
        drift: [],
        ownership: { state: 'verified' as const },
        currentVersionId: 'v1',
        nextCheckAt,
      });
      await store.recordCheck('b1', checked(at(100)), at(1));
      await store.recordCheck('b2', checked(at(50)), at(1));
      expect(await store.listBindingsToCheck(at(2), 10)).toEqual(['b3']);
      expect(await store.listBindingsToCheck(at(60), 10)).toEqual(['b3', 'b2']);
      expect(await store.listBindingsToCheck(at(200), 2)).toEqual(['b3', 'b2']);

      // An unchanged sync keeps the schedule; a changed annotation is checked at once.
      await store.upsertBindings([binding('b1'), binding('b2')], at(3));
      expect(await store.listBindingsToCheck(at(4), 10)).toEqual(['b3']);
      await store.upsertBindings([binding('b1', { maxAge: 'P30D' })], at(5));
      expect(await store.listBindingsToCheck(at(6), 10)).toEqual(['b1', 'b3']);
      expect(await store.getBinding('b1')).toMatchObject({
        ownership: { state: 'verified' },
        currentVersionId: 'v1',
      });
      // Another secret: nothing learned about the old one holds, ownership included.
      await store.upsertBindings(
        [
          binding('b2', {
            secret: {
              name: 'svc/other',
              accountId: '111111111111',
              region: 'eu-west-1',
            },
          }),
        ],
        at(7),
      );
      const moved = (await store.getBinding('b2'))!;
      expect(moved.ownership).toBeUndefined();
      expect(moved.currentVersionId).toBeUndefined();
      expect(moved.nextCheckAt).toBeUndefined();
    });

    it('upserts bindings, keeping engine state unless the binding now points elsewhere', async () => {
      await store.upsertBindings([binding('b1')], at(0));
      await store.recordDrift('b1', [], at(1), {
        currentKeyFingerprint: 'sha256:aaaaaaaaaaaa',
        bornAt: at(-100),
      });
      expect(await store.getBinding('b1')).toMatchObject({
        adoptedAt: at(1),
        bornAt: at(-100),
        checkedAt: at(1),
      });
      await store.recordDrift(
        'b1',
        [{ code: 'key-revoked', message: 'revoked' }],
        at(2),
      );

      await store.upsertBindings(
        [binding('b1', { environment: 'production', maxAge: 'P30D' })],
        at(3),
      );
      let stored = (await store.getBinding('b1'))!;
      expect(stored).toMatchObject({
        currentKeyFingerprint: 'sha256:aaaaaaaaaaaa',
        bornAt: at(-100),
        drift: [{ code: 'key-revoked', message: 'revoked' }],
        binding: { environment: 'production', maxAge: 'P30D' },
      });

      await store.upsertBindings(
        [binding('b1', { app: 'another-app' })],
        at(4),
      );
      stored = (await store.getBinding('b1'))!;
      expect(stored.currentKeyFingerprint).toBeUndefined();
      expect(stored.adoptedAt).toBeUndefined();
      expect(stored.drift).toBeUndefined();
      expect(stored.binding.app).toBe('another-app');
      expect(
        await store.listBindings({ entityRef: 'component:default/orders' }),
      ).toHaveLength(1);
    });

    it('gives a lease to one holder at a time and lets another take it over once expired', async () => {
      const a = await store.tryAcquireLease('b1', 'replica-a', at(0));
      expect(a).toBeDefined();
      expect(
        await store.tryAcquireLease('b1', 'replica-b', at(5)),
      ).toBeUndefined();
      expect(await store.renewLease(a!, at(8))).toBe(true); // now valid until 18 s
      expect(
        await store.tryAcquireLease('b1', 'replica-b', at(17)),
      ).toBeUndefined();

      const b = await store.tryAcquireLease('b1', 'replica-b', at(18));
      expect(b).toBeDefined();
      expect(b!.token).not.toBe(a!.token);
      // The old holder is fenced off: it can neither renew nor write.
      expect(await store.renewLease(a!, at(19))).toBe(false);
      await expect(
        store.insertRotation(a!, { id: 'r1', trigger: 'manual' }, at(19)),
      ).rejects.toThrow(LeaseLostError);
      await store.releaseLease(a!); // releasing a lost lease does not free the new holder's
      expect(
        await store.tryAcquireLease('b1', 'replica-c', at(20)),
      ).toBeUndefined();
      await store.releaseLease(b!);
      expect(
        await store.tryAcquireLease('b1', 'replica-c', at(20)),
      ).toBeDefined();
    });

    it('under contention grants each lease exactly once', async () => {
      const attempts = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.tryAcquireLease('hot', `replica-${i}`, at(0)),
        ),
      );
      expect(attempts.filter(Boolean)).toHaveLength(1);
      const takeovers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.tryAcquireLease('hot', `late-${i}`, at(100)),
        ),
      );
      expect(takeovers.filter(Boolean)).toHaveLength(1);
    });

    it('starts a rotation with its lease at once, and under contention only once', async () => {
      await store.upsertBindings([binding('b1')], at(0));
      const attempts = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.startRotation(
            'b1',
            `replica-${i}`,
            { id: `r${i}`, trigger: 'schedule' },
            at(0),
          ),
        ),
      );
      const winners = attempts.filter(a => a.lease);
      expect(winners).toHaveLength(1);
      const [won] = winners;
      expect(won.rotation).toMatchObject({
        bindingId: 'b1',
        phase: 'started',
        trigger: 'schedule',
        attempts: 1,
      });
      expect(attempts.filter(a => a.rotation)).toHaveLength(1);
      expect((await store.getActiveRotation('b1'))?.id).toBe(won.rotation!.id);

      // The worker died: once its lease has expired, the next one gets the lease, and no
      // second rotation, as the first is unfinished.
      expect(
        await store.startRotation(
          'b1',
          'b',
          { id: 'x1', trigger: 'manual' },
          at(5),
        ),
      ).toEqual({});
      const next = await store.startRotation(
        'b1',
        'b',
        { id: 'x2', trigger: 'manual' },
        at(60),
      );
      expect(next.lease).toMatchObject({ bindingId: 'b1', holder: 'b' });
      expect(next.rotation).toBeUndefined();
      expect(await store.getRotation('x2')).toBeUndefined();
      expect(await store.renewLease(next.lease!, at(61))).toBe(true);
    });

    it('moves a rotation through its phases only from the expected phase, under the lease', async () => {
      await store.upsertBindings([binding('b1')], at(0));
      const lease = (await store.tryAcquireLease('b1', 'a', at(0)))!;
      const started = await store.insertRotation(
        lease,
        { id: 'r1', trigger: 'schedule', actor: 'scheduler' },
        at(1),
      );
      expect(started).toMatchObject({
        id: 'r1',
        bindingId: 'b1',
        phase: 'started',
        attempts: 1,
        startedAt: at(1),
      });
      expect((await store.getActiveRotation('b1'))?.id).toBe('r1');

      const created = await store.transition(
        lease,
        'r1',
        'started',
        'created',
        {
          oldKeyFingerprint: 'sha256:000000000001',
          newKeyFingerprint: 'sha256:000000000002',
          previousVersionId: 'v-old',
        },
        at(2),
      );
      expect(created).toMatchObject({
        phase: 'created',
        previousVersionId: 'v-old',
        updatedAt: at(2),
      });
      await expect(
        store.transition(lease, 'r1', 'started', 'created', {}, at(3)),
      ).rejects.toThrow('no longer in phase started');
      // A second unfinished rotation of the same binding is impossible (unique index): the
      // insert records nothing and says so.
      expect(
        await store.insertRotation(
          lease,
          { id: 'r2', trigger: 'manual' },
          at(3),
        ),
      ).toBeUndefined();
      expect(await store.getRotation('r2')).toBeUndefined();
      expect((await store.getActiveRotation('b1'))?.id).toBe('r1');

      for (const [from, to] of [
        ['created', 'imported'],
        ['imported', 'associated'],
        ['associated', 'tested'],
        ['tested', 'promoted'],
      ] as const) {
        await store.transition(
          lease,
          'r1',
          from,
          to,
          { promotedAt: to === 'promoted' ? at(5) : undefined },
          at(4),
        );
      }
      const done = await store.complete(
        lease,
        'r1',
        {
          newKeyFingerprint: 'sha256:000000000002',
          bornAt: at(4),
          currentVersionId: 'r1',
          rotationDueAt: at(90),
          nextCheckAt: at(30),
          deletion: {
            id: 'd1',
            keyFingerprint: 'sha256:000000000001',
            dueAt: at(60),
          },
        },
        at(6),
      );
      expect(done).toMatchObject({
        phase: 'completed',
        finishedAt: at(6),
        promotedAt: at(5),
      });
      expect(await store.getActiveRotation('b1')).toBeUndefined();
      // The completion released the lease: anyone may take it at once.
      expect(await store.tryAcquireLease('b1', 'b', at(7))).toBeDefined();
      expect(await store.getBinding('b1')).toMatchObject({
        currentKeyFingerprint: 'sha256:000000000002',
        bornAt: at(4),
        currentVersionId: 'r1',
        rotationDueAt: at(90),
        nextCheckAt: at(30),
      });
      expect(await store.listDueDeletions(at(59), 10)).toEqual([]);
      expect(await store.listDueDeletions(at(60), 10)).toEqual([
        expect.objectContaining({
          id: 'd1',
          rotationId: 'r1',
          status: 'scheduled',
          dueAt: at(60),
        }),
      ]);
      await store.updateDeletion('d1', {
        status: 'deleted',
        attempts: 1,
        deletedAt: at(61),
      });
      expect(await store.listPendingDeletions('b1')).toEqual([]);
      expect(await store.listRotations('b1', 10)).toHaveLength(1);
    });

    it('fences the phase moves of a worker whose lease was taken over, and renews a held one', async () => {
      await store.upsertBindings([binding('b1')], at(0));
      const old = (await store.tryAcquireLease('b1', 'a', at(0)))!;
      await store.insertRotation(old, { id: 'r1', trigger: 'manual' }, at(0));
      // Each move renews the lease: valid until 15 s now, so no takeover at 12 s.
      await store.transition(old, 'r1', 'started', 'created', {}, at(5));
      expect(await store.tryAcquireLease('b1', 'b', at(12))).toBeUndefined();

      const taken = (await store.tryAcquireLease('b1', 'b', at(15)))!;
      expect(taken).toBeDefined();
      await expect(
        store.transition(old, 'r1', 'created', 'imported', {}, at(16)),
      ).rejects.toThrow(/lease on binding b1 was lost/);
      expect((await store.getRotation('r1'))?.phase).toBe('created');
      const moved = await store.transition(
        taken,
        'r1',
        'created',
        'imported',
        {},
        at(16),
      );
      expect(moved).toMatchObject({ phase: 'imported', updatedAt: at(16) });
    });

    const completion = {
      newKeyFingerprint: 'sha256:000000000002',
      bornAt: at(4),
      currentVersionId: 'r1',
      rotationDueAt: at(90),
      nextCheckAt: at(30),
      deletion: {
        id: 'd1',
        keyFingerprint: 'sha256:000000000001',
        dueAt: at(60),
      },
    };
    const writes: Array<{
      write: string;
      run: (lease: Lease) => Promise<unknown>;
    }> = [
      {
        write: 'transition',
        run: lease =>
          store.transition(lease, 'r1', 'promoted', 'completed', {}, at(16)),
      },
      {
        write: 'complete',
        run: lease => store.complete(lease, 'r1', completion, at(16)),
      },
      {
        write: 'recordAttempt',
        run: lease => store.recordAttempt(lease, 'r1', at(16)),
      },
      {
        write: 'insertRotation',
        run: lease =>
          store.insertRotation(lease, { id: 'r2', trigger: 'manual' }, at(16)),
      },
    ];

    it.each(writes)(
      'refuses $write from a worker whose lease was taken over, and changes nothing',
      async ({ run }) => {
        await store.upsertBindings([binding('b1')], at(0));
        const old = (await store.tryAcquireLease('b1', 'a', at(0)))!;
        await store.insertRotation(old, { id: 'r1', trigger: 'manual' }, at(0));
        await store.transition(old, 'r1', 'started', 'promoted', {}, at(1));
        const taken = (await store.tryAcquireLease('b1', 'b', at(11)))!;
        const before = {
          rotations: await knex('rotations').orderBy('id'),
          bindings: await knex('bindings'),
        };

        await expect(run(old)).rejects.toThrow(LeaseLostError);

        expect({
          rotations: await knex('rotations').orderBy('id'),
          bindings: await knex('bindings'),
        }).toEqual(before);
        expect(await knex('key_deletions')).toEqual([]);
        // The new holder's lease is intact, and it may write.
        expect(await store.renewLease(taken, at(12))).toBe(true);
        await run(taken);
      },
    );

    it('reads the newest and the unfinished rotation of many bindings in one query', async () => {
      await store.upsertBindings(
        [binding('b1'), binding('b2'), binding('b3')],
        at(0),
      );
      const l1 = (await store.tryAcquireLease('b1', 'a', at(0)))!;
      const l2 = (await store.tryAcquireLease('b2', 'a', at(0)))!;
      for (const [lease, id, start] of [
        [l1, 'r1-old', 1],
        [l1, 'r1-new', 3],
        [l2, 'r2-old', 1],
      ] as const) {
        await store.insertRotation(lease, { id, trigger: 'manual' }, at(start));
        await store.transition(lease, id, 'started', 'failed', {}, at(start));
      }
      await store.insertRotation(
        l2,
        { id: 'r2-run', trigger: 'manual' },
        at(5),
      );

      const queries: string[] = [];
      const count = (query: { sql: string }) => queries.push(query.sql);
      knex.on('query', count);
      const latest = await store.latestRotations(['b1', 'b2', 'b3', 'b9']);
      knex.off('query', count);

      expect(queries).toHaveLength(1);
      const ids = (of?: { active?: { id: string }; last?: { id: string } }) =>
        of && { active: of.active?.id, last: of.last?.id };
      expect({
        b1: ids(latest.get('b1')),
        b2: ids(latest.get('b2')),
        b3: ids(latest.get('b3')),
        b9: ids(latest.get('b9')),
      }).toEqual({
        b1: { active: undefined, last: 'r1-new' },
        b2: { active: 'r2-run', last: 'r2-run' },
        b3: { active: undefined, last: undefined },
        b9: { active: undefined, last: undefined },
      });
      expect([...(await store.getBindings(['b1', 'b3', 'b9'])).keys()]).toEqual(
        expect.arrayContaining(['b1', 'b3']),
      );
      expect((await store.getBindings(['b1', 'b3', 'b9'])).size).toBe(2);
    });

    it('lists rotations abandoned by their worker (lease expired or released) for resume', async () => {
      await store.upsertBindings([binding('b1'), binding('b2')], at(0));
      const l1 = (await store.tryAcquireLease('b1', 'a', at(0)))!;
      const l2 = (await store.tryAcquireLease('b2', 'a', at(0)))!;
      await store.insertRotation(l1, { id: 'r1', trigger: 'manual' }, at(0));
      await store.insertRotation(l2, { id: 'r2', trigger: 'manual' }, at(0));
      expect(await store.listAbandonedRotations(at(5))).toEqual([]);
      await store.releaseLease(l2);
      expect(
        (await store.listAbandonedRotations(at(5))).map(r => r.id),
      ).toEqual(['r2']);
      expect(
        (await store.listAbandonedRotations(at(10))).map(r => r.id).sort(),
      ).toEqual(['r1', 'r2']);
      const taken = (await store.tryAcquireLease('b1', 'b', at(10)))!;
      expect((await store.recordAttempt(taken, 'r1', at(11))).attempts).toBe(2);
      expect(
        (await store.listAbandonedRotations(at(11))).map(r => r.id),
      ).toEqual(['r2']);
    });
  },
);
