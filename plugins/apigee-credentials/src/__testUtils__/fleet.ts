import { http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { credential } from './fixtures';

export const FLEET: CredentialSummary[] = [
  credential({
    id: 'prod',
    entityRef: 'component:default/orders-service',
    ageDays: 12,
  }),
  credential({
    id: 'prod',
    entityRef: 'component:default/payments-service',
    status: 'overdue',
    ageDays: 97,
    keyFingerprint: 'fp-pay111',
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
 * by `status`; records the status filters asked for.
 */
export function fakeFleet(server: SetupServer) {
  const requested: Array<string | null> = [];
  server.use(
    http.get('*/api/apigee-credentials/v1/credentials', ({ request }) => {
      const params = new URL(request.url).searchParams;
      const status = params.get('status');
      if (!params.get('cursor')) requested.push(status);
      const matching = FLEET.filter(c => !status || c.status === status);
      const start = Number(params.get('cursor') ?? 0);
      const items = matching.slice(start, start + 2);
      const next = start + 2 < matching.length ? String(start + 2) : undefined;
      return HttpResponse.json({ items, nextCursor: next });
    }),
  );
  return requested;
}
