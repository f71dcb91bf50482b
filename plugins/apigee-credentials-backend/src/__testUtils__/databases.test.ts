import { PG_CONNECTION_ENV, createTestDatabases } from './databases';

describe('createTestDatabases', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('fails instead of silently testing SQLite only when CI requires PostgreSQL and it is not configured', () => {
    process.env.APIGEE_CREDENTIALS_REQUIRE_POSTGRES = '1';
    delete process.env[PG_CONNECTION_ENV];
    expect(() => createTestDatabases()).toThrow(
      `APIGEE_CREDENTIALS_REQUIRE_POSTGRES=1 but ${PG_CONNECTION_ENV} is not set`,
    );
  });
});
