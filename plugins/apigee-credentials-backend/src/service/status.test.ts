import { CatalogBindingRow } from '../database/CatalogBindingStore';
import { CredentialStatus } from '../engine/types';
import { summarise, summariseAll } from './status';

const settings = { maxAgeMs: 90 * 86_400_000, dueSoonMs: 14 * 86_400_000 };
const now = new Date('2026-06-01T00:00:00Z');

const row = (environment: string, error?: string): CatalogBindingRow => ({
  id: `component:default/orders#${environment}`,
  entityRef: 'component:default/orders',
  environment,
  error,
  syncedAt: now,
});

const state = (environment: string, daysOld: number): CredentialStatus => ({
  binding: {
    id: `component:default/orders#${environment}`,
    entityRef: 'component:default/orders',
    environment,
    provider: 'edge',
    developer: 'orders@example.com',
    app: 'orders',
    secret: { name: 'orders', accountId: '111111111111', region: 'eu-west-1' },
  },
  adopted: true,
  currentKeyFingerprint: 'sha256:0123456789ab',
  bornAt: new Date(now.getTime() - daysOld * 86_400_000),
  drift: [],
  pendingDeletions: [],
  oldKeys: [],
  retireOldKeys: 'traffic',
});

describe('summariseAll', () => {
  it('reads the states of a page in one call and summarises each row as summarise does, in order', async () => {
    const rows = [
      row('prod'),
      row('broken', 'provider: unknown provider nope'),
      row('dev'),
      row('unsynced'),
    ];
    const states = new Map([
      [rows[0].id, state('prod', 100)],
      [rows[2].id, state('dev', 3)],
    ]);
    const statuses = jest.fn(async (_ids: string[]) => states);

    const summaries = await summariseAll(rows, { statuses }, settings, now);

    // Misconfigured rows have no state to read.
    expect(statuses.mock.calls).toEqual([
      [[rows[0].id, rows[2].id, rows[3].id]],
    ]);
    expect(summaries).toEqual(
      rows.map(r =>
        summarise(r, r.error ? undefined : states.get(r.id), settings, now),
      ),
    );
    expect(summaries.map(s => [s.environment, s.status])).toEqual([
      ['prod', 'overdue'],
      ['broken', 'misconfigured'],
      ['dev', 'ok'],
      ['unsynced', 'misconfigured'],
    ]);
  });
});
