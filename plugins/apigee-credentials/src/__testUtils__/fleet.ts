import { HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { credential, daysFromNow, oldKey, stillUsedTraffic } from './fixtures';
import { http } from '@keyrotation/apigee-credentials-contract';

export const FLEET: CredentialSummary[] = [
  credential({
    id: 'prod',
    entityRef: 'component:default/orders-service',
    ageDays: 12,
    paused: {
      by: 'user:default/jane',
      at: daysFromNow(-1),
      reason: 'release freeze',
    },
  }),
  credential({
    id: 'prod',
    entityRef: 'component:default/payments-service',
    status: 'overdue',
    ageDays: 97,
    keyFingerprint: 'fp-pay111',
    oldKeys: [oldKey({ state: 'in-use', traffic: stillUsedTraffic() })],
  }),
  credential({
    id: 'staging',
    environment: 'staging',
    entityRef: 'component:default/payments-service',
    status: 'drift',
    ageDays: 40,
    keyFingerprint: 'fp-pay222',
  }),
];

/**
 * A fleet endpoint serving FLEET two items a page (so cursors are followed), filtered
 * by `status`, `oldKeyInUse` and `paused`; records the status filters asked for, and in
 * `queries` every first-page query in full.
 */
export function fakeFleet(server: SetupServer) {
  const queries: Array<Record<string, string>> = [];
  // Not enumerable: `toEqual` on the statuses alone stays as it was.
  const requested = Object.defineProperty(
    [] as Array<string | null>,
    'queries',
    { value: queries, enumerable: false },
  ) as Array<string | null> & { queries: typeof queries };
  server.use(
    http.get('*/api/apigee-credentials/v1/credentials', ({ request }) => {
      const params = new URL(request.url).searchParams;
      const status = params.get('status');
      if (!params.get('cursor')) {
        requested.push(status);
        queries.push(Object.fromEntries(params));
      }
      const matching = FLEET.filter(
        c =>
          (!status || c.status === status) &&
          (params.get('oldKeyInUse') !== 'true' ||
            c.oldKeys.some(k => k.state === 'in-use')) &&
          (params.get('paused') !== 'true' || c.paused !== undefined),
      );
      const start = Number(params.get('cursor') ?? 0);
      const items = matching.slice(start, start + 2);
      const next = start + 2 < matching.length ? String(start + 2) : undefined;
      return HttpResponse.json({ items, nextCursor: next });
    }),
  );
  return requested;
}
