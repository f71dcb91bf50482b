import knexFactory, { Knex } from 'knex';

const PG =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432';

/** A fresh PostgreSQL database for one measurement; `drop` removes it. */
export interface BenchDatabase {
  knex: Knex;
  knexConfig: Knex.Config;
  drop: () => Promise<void>;
}

let sequence = 0;

export async function createBenchDatabase(
  label: string,
): Promise<BenchDatabase> {
  const name = `bench_${label}_${Date.now()}_${sequence++}`;
  const admin = knexFactory({ client: 'pg', connection: PG });
  try {
    await admin.raw('select 1');
  } catch (error) {
    await admin.destroy();
    throw new Error(
      `The benchmarks need PostgreSQL at ${PG} (set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING): ${
        (error as Error).message
      }`,
    );
  }
  await admin.raw('create database ??', [name]);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  const knexConfig: Knex.Config = {
    client: 'pg',
    connection: url.toString(),
    pool: { min: 0, max: 20 },
  };
  const knex = knexFactory(knexConfig);
  return {
    knex,
    knexConfig,
    drop: async () => {
      await knex.destroy();
      await admin.raw('drop database if exists ?? with (force)', [name]);
      await admin.destroy();
    },
  };
}
