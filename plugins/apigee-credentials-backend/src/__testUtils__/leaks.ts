import { Knex } from 'knex';
import { TestWorld } from './world';

const TABLES = [
  'bindings',
  'rotations',
  'leases',
  'key_deletions',
  'catalog_bindings',
  'provisions',
];

/** Every row of every plugin table, as text. */
export async function dumpTables(knex: Knex): Promise<string[]> {
  const texts: string[] = [];
  for (const table of TABLES) {
    if (!(await knex.schema.hasTable(table))) continue;
    for (const row of await knex(table).select())
      texts.push(`${table} ${JSON.stringify(row)}`);
  }
  return texts;
}

/**
 * Secret values must never appear in logs, rows, errors or events. Scans everything
 * captured for every consumer key and secret the sandbox ever held; returns the offending
 * places (empty when clean) so that a failure shows where, not what.
 */
export async function findSecretLeaks(
  world: TestWorld,
  knexes: Knex[],
  extraTexts: string[] = [],
): Promise<{ scannedValues: number; scannedTexts: number; leaks: string[] }> {
  const values = world.allSecretValues();
  const texts = [
    ...world.logger.lines.map(line => `log: ${line}`),
    ...world.events.map(event => `event: ${JSON.stringify(event)}`),
    ...extraTexts.map(text => `error: ${text}`),
  ];
  for (const knex of knexes) texts.push(...(await dumpTables(knex)));
  const leaks: string[] = [];
  for (const text of texts) {
    for (const value of values) {
      if (text.includes(value)) {
        leaks.push(
          `${text.slice(0, 40)}… contains a value of length ${value.length}`,
        );
      }
    }
  }
  return { scannedValues: values.length, scannedTexts: texts.length, leaks };
}
