import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  apigeeCredentialsReadPermission,
  CredentialSummary,
  Page,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { ApiRouter, RouterOptions } from './router';
import { summariseAll } from './status';

/*
 * The fleet overview: every bound credential the caller may read, filtered and paged. Reads
 * stored state only, a batch of bindings at a time: one permission request and one read of
 * their state per batch.
 */

const BATCH = 200;

export function fleetRoutes(api: ApiRouter, options: RouterOptions) {
  const { httpAuth, permissions, bindings, readModel, statusSettings } =
    options;
  const now = options.now ?? (() => new Date());

  api.get('/v1/credentials', async (req, res) => {
    const { status, owner, oldKeyInUse, paused, cursor } = req.query;
    // The validator has put the spec's default in place.
    const limit = req.query.limit!;
    const credentials = await httpAuth.credentials(req);
    const wanted = status ? new Set<string>(status) : undefined;
    const keep = (summary: CredentialSummary) =>
      (!wanted || wanted.has(summary.status)) &&
      (oldKeyInUse !== 'true' ||
        summary.oldKeys.some(k => k.state === 'in-use')) &&
      (paused !== 'true' || Boolean(summary.paused));

    const items: CredentialSummary[] = [];
    let afterId = cursor;
    let exhausted = false;
    const at = now();
    while (items.length < limit && !exhausted) {
      const rows = await bindings.list({
        ownerRef: owner,
        afterId,
        limit: BATCH,
      });
      exhausted = rows.length < BATCH;
      if (rows.length === 0) break;
      const decisions = await permissions.authorize(
        rows.map(row => ({
          permission: apigeeCredentialsReadPermission,
          resourceRef: row.entityRef,
        })),
        { credentials },
      );
      const readable = rows.filter(
        (_row, i) => decisions[i].result === AuthorizeResult.ALLOW,
      );
      const summaries = await summariseAll(
        readable,
        readModel,
        statusSettings,
        at,
      );
      const byId = new Map(readable.map((row, j) => [row.id, summaries[j]]));
      for (let i = 0; i < rows.length && items.length < limit; i++) {
        afterId = rows[i].id;
        const summary = byId.get(afterId);
        if (summary && keep(summary)) items.push(summary);
      }
      // A full page that stopped inside this batch has more to come.
      if (items.length >= limit && afterId !== rows[rows.length - 1].id) {
        exhausted = false;
      }
    }
    const page: Page<CredentialSummary> = { items };
    if (!exhausted && afterId) page.nextCursor = afterId;
    res.json(page);
  });
}
