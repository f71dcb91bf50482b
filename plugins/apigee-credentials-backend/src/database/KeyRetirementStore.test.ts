import { TestDatabaseId } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import {
  createTestDatabases,
  databaseService,
} from '../__testUtils__/databases';
import { applyMigrations } from './migrations';
import { KeyRetirementStore } from './KeyRetirementStore';

jest.setTimeout(30_000);

const databases = createTestDatabases();
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes));

describe.each(databases.eachSupportedId())(
  'KeyRetirementStore on %s',
  databaseId => {
    let knex: Knex;
    let store: KeyRetirementStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId as TestDatabaseId);
      await applyMigrations(databaseService(knex));
      store = new KeyRetirementStore(knex);
    });

    /** An old key's record as a rotation's completion writes it. */
    async function oldKey(id: string, dueMinute: number, binding = 'b1') {
      await knex('key_deletions').insert({
        id,
        binding_id: binding,
        rotation_id: `r-${id}`,
        key_fingerprint: `sha256:00000000000${id.slice(-1)}`,
        due_at: at(dueMinute),
        status: 'scheduled',
        attempts: 0,
        created_at: at(0),
      });
    }

    const dueIds = async (minute: number) =>
      (await store.listDue(at(minute), 50)).map(r => r.id).sort();

    it('lists a key when its grace period ends, then when its next step is due', async () => {
      await oldKey('k1', 10);
      expect(await dueIds(9)).toEqual([]);
      expect(await dueIds(10)).toEqual(['k1']);

      await store.update('k1', { status: 'in-use', nextAttemptAt: at(70) });
      expect(await dueIds(69)).toEqual([]);
      expect(await dueIds(70)).toEqual(['k1']);

      await store.update('k1', { status: 'deleted', deletedAt: at(71) });
      expect(await dueIds(1000)).toEqual([]);
    });

    it('lists a key at once when its rotation asked for revocation, until it is revoked', async () => {
      await oldKey('k1', 10);
      await store.requestRevocation('r-k1', 'user:default/alice', at(1));
      await store.requestRevocation('r-k1', 'user:default/alice', at(2)); // repeat: no error
      expect(await dueIds(2)).toEqual(['k1']);
      expect(await store.revocationRequester('r-k1')).toBe(
        'user:default/alice',
      );
      expect((await store.listDue(at(2), 50))[0].revocationRequested).toBe(
        true,
      );

      await store.update('k1', { status: 'revoked', nextAttemptAt: at(500) });
      expect(await dueIds(499)).toEqual([]);

      // A restore forgets the request, so the next pass does not revoke the key again.
      await store.clearRevocationRequest('r-k1');
      await store.update('k1', { status: 'scheduled', nextAttemptAt: at(600) });
      expect(await dueIds(599)).toEqual([]);
    });

    it('keeps what a traffic check saw, and lists recently deleted keys only', async () => {
      await oldKey('k1', 10);
      await oldKey('k2', 20);
      await oldKey('k3', 30, 'b2');
      await store.update('k1', {
        status: 'in-use',
        traffic: {
          calls: 42,
          lastCallAt: at(15),
          windowStart: at(0),
          checkedAt: at(16),
          sources: [{ proxy: 'orders-v1', client: '10.0.0.7', calls: 42 }],
        },
      });
      await store.update('k2', { status: 'deleted', deletedAt: at(25) });

      const recent = await store.listForBindings(['b1', 'b2', 'b3'], at(20));
      expect([...recent.keys()]).toEqual(['b1', 'b2', 'b3']);
      expect(recent.get('b1')!.map(r => r.id)).toEqual(['k2', 'k1']);
      expect(recent.get('b1')![1].traffic).toEqual({
        calls: 42,
        lastCallAt: at(15),
        windowStart: at(0),
        checkedAt: at(16),
        sources: [{ proxy: 'orders-v1', client: '10.0.0.7', calls: 42 }],
      });
      expect(recent.get('b3')).toEqual([]);

      const later = await store.listForBindings(['b1'], at(26));
      expect(later.get('b1')!.map(r => r.id)).toEqual(['k1']);
    });

    it('pauses and resumes scheduled rotation of a binding', async () => {
      await store.pause({
        bindingId: 'b1',
        by: 'user:default/alice',
        at: at(1),
        reason: 'release freeze',
      });
      await store.pause({
        bindingId: 'b1',
        by: 'user:default/bob',
        at: at(2),
        reason: 'still frozen',
      });
      expect([...(await store.pausesOf(['b1', 'b2'])).values()]).toEqual([
        {
          bindingId: 'b1',
          by: 'user:default/bob',
          at: at(2),
          reason: 'still frozen',
        },
      ]);
      expect(await store.resume('b1')).toBe(true);
      expect(await store.resume('b1')).toBe(false);
      expect((await store.pausesOf(['b1'])).size).toBe(0);
    });
  },
);
