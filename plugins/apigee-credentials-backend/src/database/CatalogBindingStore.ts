import { Knex } from 'knex';
import { RotationWindow } from '@keyrotation/backstage-plugin-apigee-credentials-common';

/** A binding annotation as last read from the catalog. */
export interface CatalogBindingRow {
  id: string;
  entityRef: string;
  environment: string;
  ownerRef?: string;
  /** Why the annotation is invalid; undefined when it is valid. */
  error?: string;
  window?: RotationWindow;
  syncedAt: Date;
}

const TABLE = 'catalog_bindings';

/** Persists what the catalog sync found, valid or not (table `catalog_bindings`). */
export class CatalogBindingStore {
  constructor(private readonly db: Knex) {}

  /**
   * Replaces the whole set: rows not in `rows` are removed (their annotation or entity is gone).
   * Returns the ids that were removed.
   */
  async replaceAll(rows: CatalogBindingRow[]): Promise<string[]> {
    return this.db.transaction(async tx => {
      const existing: string[] = (await tx(TABLE).select('id')).map(
        (r: { id: string }) => r.id,
      );
      const keep = new Set(rows.map(r => r.id));
      const removed = existing.filter(id => !keep.has(id));
      for (let i = 0; i < removed.length; i += 500) {
        await tx(TABLE)
          .whereIn('id', removed.slice(i, i + 500))
          .delete();
      }
      for (let i = 0; i < rows.length; i += 200) {
        await tx(TABLE)
          .insert(rows.slice(i, i + 200).map(toDb))
          .onConflict('id')
          .merge();
      }
      return removed;
    });
  }

  async listForEntity(entityRef: string): Promise<CatalogBindingRow[]> {
    const rows = await this.db(TABLE)
      .where({ entity_ref: entityRef.toLocaleLowerCase('en-US') })
      .orderBy('environment');
    return rows.map(fromDb);
  }

  async get(id: string): Promise<CatalogBindingRow | undefined> {
    const row = await this.db(TABLE).where({ id }).first();
    return row ? fromDb(row) : undefined;
  }

  /** The rows with these ids (those that exist), in id order. */
  async listByIds(ids: string[]): Promise<CatalogBindingRow[]> {
    const rows: CatalogBindingRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = await this.db(TABLE)
        .whereIn('id', ids.slice(i, i + 500))
        .orderBy('id');
      rows.push(...chunk.map(fromDb));
    }
    return rows;
  }

  /** Pages through every row in id order, optionally for one owner. */
  async list(options: {
    ownerRef?: string;
    afterId?: string;
    limit: number;
  }): Promise<CatalogBindingRow[]> {
    const query = this.db(TABLE).orderBy('id').limit(options.limit);
    if (options.ownerRef) {
      query.where({ owner_ref: options.ownerRef.toLocaleLowerCase('en-US') });
    }
    if (options.afterId) query.where('id', '>', options.afterId);
    return (await query).map(fromDb);
  }
}

function toDb(row: CatalogBindingRow) {
  return {
    id: row.id,
    entity_ref: row.entityRef.toLocaleLowerCase('en-US'),
    environment: row.environment,
    owner_ref: row.ownerRef?.toLocaleLowerCase('en-US') ?? null,
    error: row.error ?? null,
    window: row.window ? JSON.stringify(row.window) : null,
    synced_at: row.syncedAt,
  };
}

function fromDb(row: any): CatalogBindingRow {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    environment: row.environment,
    ownerRef: row.owner_ref ?? undefined,
    error: row.error ?? undefined,
    window: row.window ? JSON.parse(row.window) : undefined,
    syncedAt: new Date(row.synced_at),
  };
}
