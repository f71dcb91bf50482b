import { Knex } from 'knex';

/** Which teams an existing developer app already serves, in the plugin's own records. */
export interface AppOwnerRecords {
  /**
   * Owner refs (lowercase) of the catalog entities whose valid binding names the app, and of
   * the owners of completed provisions that created it.
   */
  ownersOfApp(target: {
    provider: string;
    developer: string;
    app: string;
  }): Promise<string[]>;
}

/** Like `value` inside a JSON document; `_` may match more, so rows are checked exactly after. */
function jsonFieldLike(field: string, value: string): string {
  return `%${JSON.stringify(field)}:${JSON.stringify(value)}%`;
}

/**
 * Reads the engine's `bindings` (each binding's spec) joined with `catalog_bindings` (entity
 * and owner), and the `provisions` table. Both are written by the plugin alone.
 */
export class DatabaseAppOwnerRecords implements AppOwnerRecords {
  constructor(private readonly db: Knex) {}

  async ownersOfApp(target: {
    provider: string;
    developer: string;
    app: string;
  }): Promise<string[]> {
    const developer = target.developer.toLocaleLowerCase('en-US');
    const owners = new Set<string>();

    const bound = await this.db('bindings')
      .join('catalog_bindings', 'catalog_bindings.id', 'bindings.id')
      .where('bindings.provider', target.provider)
      .whereNull('catalog_bindings.error')
      .where('bindings.spec', 'like', jsonFieldLike('app', target.app))
      .select('bindings.spec as spec', 'catalog_bindings.owner_ref as owner');
    for (const row of bound) {
      const spec = JSON.parse(row.spec) as { developer?: string; app?: string };
      if (
        row.owner &&
        spec.app === target.app &&
        spec.developer?.toLocaleLowerCase('en-US') === developer
      ) {
        owners.add(String(row.owner).toLocaleLowerCase('en-US'));
      }
    }

    const provisioned = await this.db('provisions')
      .where({ state: 'completed' })
      .where('progress', 'like', jsonFieldLike('app', target.app))
      .select('progress');
    for (const row of provisioned) {
      const progress = JSON.parse(row.progress) as {
        appWasMissing?: boolean;
        request?: {
          provider?: string;
          developer?: string;
          app?: string;
          owner?: string;
        };
      };
      const request = progress.request;
      if (
        progress.appWasMissing &&
        request?.owner &&
        request.provider === target.provider &&
        request.app === target.app &&
        request.developer?.toLocaleLowerCase('en-US') === developer
      ) {
        owners.add(request.owner.toLocaleLowerCase('en-US'));
      }
    }
    return [...owners];
  }
}
