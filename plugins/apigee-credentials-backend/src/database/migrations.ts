import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(import.meta.url, 'migrations');

/**
 * The plugin's database client, with the migrations applied unless `backend.database` says to
 * skip them (`migrations.skip`). The plugin calls it once, as it starts.
 */
export async function applyMigrations(
  database: DatabaseService,
): Promise<Knex> {
  const client = await database.getClient();
  if (!database.migrations?.skip) {
    await client.migrate.latest({ directory: migrationsDir });
  }
  return client;
}
