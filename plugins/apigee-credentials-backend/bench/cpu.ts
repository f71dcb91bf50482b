import { readFileSync } from 'node:fs';
import { Knex } from 'knex';

/** Clock ticks per second of /proc's times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) of another process in ms, from /proc (Linux only); undefined
 * where /proc is not available.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU time of this process in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * CPU time in ms of the PostgreSQL backends serving the current database (the benchmark's
 * own, so no one else's work), from pg_stat_activity and /proc; undefined off Linux.
 */
export async function databaseCpuMs(knex: Knex): Promise<number | undefined> {
  const { rows } = await knex.raw(
    'select pid from pg_stat_activity where datname = current_database()',
  );
  let total = 0;
  for (const { pid } of rows as Array<{ pid: number }>) {
    const ms = processCpuMs(pid);
    if (ms === undefined) return undefined;
    total += ms;
  }
  return total;
}
