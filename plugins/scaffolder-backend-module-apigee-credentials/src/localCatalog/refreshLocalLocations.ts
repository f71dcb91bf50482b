import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  type CatalogService,
  locationSpecToMetadataName,
} from '@backstage/plugin-catalog-node';
import path from 'node:path';

/**
 * Asks the catalog to re-read, now, the `file` locations that cover `directory`, so a newly
 * published file shows up in seconds rather than at the next processing round.
 * Returns the refs of the locations refreshed; none means no location reads the directory.
 *
 * `configuredTargets` are the `file` targets of `catalog.locations`. They are needed because
 * a glob location that matched nothing when the catalog started has no Location entity to
 * find yet; the catalog names config locations from their resolved target, so their ref
 * can be derived and refreshed all the same.
 */
export async function refreshLocalLocations(options: {
  catalog: CatalogService;
  directory: string;
  credentials: BackstageCredentials;
  configuredTargets?: string[];
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
  const refs = new Set(covering.map(location => stringifyEntityRef(location)));
  for (const target of options.configuredTargets ?? []) {
    const resolved = path.resolve(target);
    if (resolved.startsWith(inside)) {
      refs.add(
        `location:default/${locationSpecToMetadataName({
          type: 'file',
          target: resolved,
        })}`,
      );
    }
  }
  for (const ref of refs) {
    await catalog.refreshEntity(ref, { credentials });
  }
  return [...refs];
}
