import { DatabaseService } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';

export const PG_CONNECTION_ENV =
  'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/**
 * SQLite always, PostgreSQL 15 when its connection string is set. With
 * APIGEE_CREDENTIALS_REQUIRE_POSTGRES=1 (set by CI) a missing connection string fails the
 * test file instead of silently testing SQLite only.
 */
export function createTestDatabases(): TestDatabases {
  if (
    process.env.APIGEE_CREDENTIALS_REQUIRE_POSTGRES === '1' &&
    !process.env[PG_CONNECTION_ENV]
  ) {
    throw new Error(
      `APIGEE_CREDENTIALS_REQUIRE_POSTGRES=1 but ${PG_CONNECTION_ENV} is not set: refusing to test SQLite only`,
    );
  }
  return TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
}

/** A DatabaseService over a test knex, migrations enabled. */
export function databaseService(
  knex: Knex,
  skipMigrations = false,
): DatabaseService {
  return {
    getClient: async () => knex,
    migrations: { skip: skipMigrations },
  };
}
