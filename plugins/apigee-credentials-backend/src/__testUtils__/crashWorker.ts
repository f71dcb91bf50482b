/*
 * A rotation worker in its own process, for crash tests. Started as
 *   node --require @backstage/cli/config/nodeTransform.cjs crashWorker.ts '<json>'
 * it reports every checkpoint on stdout ("CHECKPOINT <name>") and, on reaching the one named
 * in `killAt`, says "HALTED <name>" and stops making progress so that the test can SIGKILL
 * it at exactly that point. Log lines go to stderr as JSON, for the leak scan.
 *
 * Two ways to be killed where the engine gets no say: in the middle of an HTTP request (the
 * test makes the sandbox hold the answer; `pauseAt` lets it release one rotation at a time,
 * with "GO <bindingId>" on stdin), and in the middle of a database transaction (`holdCommit`:
 * the database driver never sends the COMMIT of the transaction that writes a phase, so its
 * statements have run and nothing is committed).
 */
import { ConfigReader, JsonObject } from '@backstage/config';
import knexFactory, { Knex } from 'knex';
import { createInterface } from 'node:readline';
import { stderrLogger } from './stderrLogger';
import { createRotationEngine } from '../engine/createRotationEngine';
import {
  CredentialBinding,
  RotationPhase,
  RotationTrigger,
} from '../engine/types';

export interface CrashWorkerArgs {
  mode: 'rotate' | 'resume';
  configData: JsonObject;
  knexConfig: Knex.Config;
  instanceId: string;
  /** rotate: the bindings to rotate, concurrently. */
  bindings?: CredentialBinding[];
  /** rotate: checkpoint at which to halt, per binding id. */
  killAt?: Record<string, string>;
  /** rotate: checkpoint at which to wait for "GO <bindingId>" on stdin, per binding id. */
  pauseAt?: Record<string, string>;
  /**
   * rotate: per binding id, the phase whose transaction is held before its COMMIT (the first
   * transaction of that binding that writes the phase to the rotations table).
   */
  holdCommit?: Record<string, RotationPhase>;
}

/** Resolves when the test writes "GO <bindingId>" on stdin. */
function goSignals(): (bindingId: string) => Promise<void> {
  const released = new Set<string>();
  const waiting = new Map<string, () => void>();
  createInterface({ input: process.stdin }).on('line', line => {
    const [word, bindingId] = line.split(' ');
    if (word !== 'GO') return;
    released.add(bindingId);
    waiting.get(bindingId)?.();
  });
  return bindingId =>
    released.has(bindingId)
      ? Promise.resolve()
      : new Promise(resolve => waiting.set(bindingId, resolve));
}

/**
 * Holds, in knex's client, the COMMIT of each transaction named in `targets`: the promise of
 * that statement never settles, so the transaction stays open with its writes made and
 * uncommitted (and, on PostgreSQL, its row locks held) until the process is killed.
 */
function holdCommits(knex: Knex, targets: Record<string, RotationPhase>) {
  const client = Object.getPrototypeOf(knex.client);
  const query = client.query;
  // What each connection's open transaction has written: its binding, and whether it wrote
  // the target phase.
  const open = new WeakMap<object, { bindingId?: string; hit?: boolean }>();
  const held = new Set<string>();
  client.query = function holdingQuery(connection: object, obj: any) {
    const sql: string = typeof obj === 'string' ? obj : obj.sql;
    const values: unknown[] = (typeof obj === 'object' && obj.bindings) || [];
    if (/^BEGIN/i.test(sql)) open.set(connection, {});
    const tx = open.get(connection);
    if (tx) {
      tx.bindingId ??= Object.keys(targets).find(id => values.includes(id));
      const phase = tx.bindingId && targets[tx.bindingId];
      if (
        phase &&
        /^update\s+\W?rotations\W/i.test(sql) &&
        values.includes(phase)
      )
        tx.hit = true;
      if (/^COMMIT/i.test(sql)) {
        open.delete(connection);
        if (tx.hit && !held.has(tx.bindingId!)) {
          held.add(tx.bindingId!);
          process.stdout.write(`HELD ${tx.bindingId} commit:${phase}\n`);
          return new Promise(() => {}); // the COMMIT is never sent
        }
      }
    }
    return query.call(this, connection, obj);
  };
}

async function main() {
  const args = JSON.parse(process.argv[2]) as CrashWorkerArgs;
  const knex = knexFactory(args.knexConfig);
  if (args.holdCommit) holdCommits(knex, args.holdCommit);
  const go = goSignals();
  const engine = await createRotationEngine({
    config: new ConfigReader(args.configData),
    database: { getClient: async () => knex, migrations: { skip: false } },
    logger: stderrLogger(),
    instanceId: args.instanceId,
    // Every rotation runs at once: each halts at its own checkpoint, holding its slot.
    settings: { concurrency: 1000 },
    hooks: {
      async checkpoint(name, rotation) {
        process.stdout.write(`CHECKPOINT ${rotation.bindingId} ${name}\n`);
        if (args.killAt?.[rotation.bindingId] === name) {
          process.stdout.write(`HALTED ${rotation.bindingId} ${name}\n`);
          await new Promise(() => {}); // wait here for SIGKILL
        }
        if (args.pauseAt?.[rotation.bindingId] === name) {
          process.stdout.write(`PAUSED ${rotation.bindingId} ${name}\n`);
          await go(rotation.bindingId);
        }
      },
    },
  });
  if (args.mode === 'rotate') {
    // All at once: each rotation halts at its own checkpoint, then one SIGKILL ends them all.
    const trigger: RotationTrigger = 'manual';
    await Promise.all(
      (args.bindings ?? []).map(async binding => {
        const result = await engine.rotate(binding, { trigger });
        process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      }),
    );
  } else {
    const results = await engine.resume();
    process.stdout.write(`RESUMED ${JSON.stringify(results)}\n`);
  }
  await knex.destroy();
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(
      `${JSON.stringify({
        level: 'fatal',
        message: String(error?.message),
      })}\n`,
    );
    process.exit(1);
  },
);
