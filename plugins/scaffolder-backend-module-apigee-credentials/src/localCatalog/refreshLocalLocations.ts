import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import path from 'node:path';

/**
 * Asks the catalog to re-read, now, the `file` locations that cover `directory`, so a newly
 * published file shows up in seconds rather than at the next processing round.
 * Returns the refs of the locations refreshed; none means no location reads the directory.
 */
export async function refreshLocalLocations(options: {
  catalog: CatalogService;
  directory: string;
  credentials: BackstageCredentials;
}): Promise<string[]> {
  const { catalog, directory, credentials } = options;
  const { items } = await catalog.getEntities(
    { filter: { kind: 'Location', 'spec.type': 'file' } },
    { credentials },
  );
  const inside = directory.endsWith(path.sep)
    ? directory
    : `${directory}${path.sep}`;
  const covering = items.filter(location => {
    const spec = (location.spec ?? {}) as {
      target?: unknown;
      targets?: unknown;
    };
    const targets = [
      spec.target,
      ...(Array.isArray(spec.targets) ? spec.targets : []),
    ];
    return targets.some(
      target =>
        typeof target === 'string' && path.resolve(target).startsWith(inside),
    );
  });
  const refs = covering.map(location => stringifyEntityRef(location));
  for (const ref of refs) {
    await catalog.refreshEntity(ref, { credentials });
  }
  return refs;
}
