/*
 * Chaos run (`yarn test:chaos`): hundreds of rotations across dozens of bindings while the
 * sandbox fails a quarter of the Apigee and Secrets Manager calls and rotation workers are
 * SIGKILLed at random moments. A consumer reads AWSCURRENT and calls the gateway with it the
 * whole time. Once faults stop and the engine converged, it checks the invariants of
 * DESIGN.md §3 and prints one JSON line of figures; it exits non-zero when any must-be-zero
 * figure is not zero (or too few rotations ran).
 *
 * Run from this package: node --require @backstage/cli/config/nodeTransform.cjs chaos/run.ts
 * Needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, default
 * postgresql://postgres@127.0.0.1:5432): the workers and this process share one database.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import knexFactory, { Knex } from 'knex';
import { findSecretLeaks } from '../src/__testUtils__/leaks';
import { REGION, TestWorld } from '../src/__testUtils__/world';
import type { ChaosWorkerArgs } from './worker';

const BINDINGS = Number(process.env.CHAOS_BINDINGS ?? 40);
const MIN_ROTATIONS = Number(process.env.CHAOS_ROTATIONS ?? 200);
const WORKERS = 2;
const WORKER_CONCURRENCY = 4;
const CONSUMERS = 4;
/** Hard bound on the faulty phase; the run fails if it has too few rotations by then. */
const MAX_CHAOS_MS = Number(process.env.CHAOS_MAX_MS ?? 6 * 60_000);
const MIN_CHAOS_MS = 45_000;
const PACKAGE_DIR = resolve(__dirname, '..');
const WORKER = resolve(__dirname, 'worker.ts');
const PG =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const between = (min: number, max: number) => min + Math.random() * (max - min);
const log = (message: string) =>
  process.stderr.write(`[chaos ${new Date().toISOString()}] ${message}\n`);

/** Every line any worker wrote: results, events, log lines (scanned for leaks). */
const childOutput: string[] = [];

interface Worker {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

function startWorker(args: ChaosWorkerArgs): Worker {
  const child = spawn(
    process.execPath,
    [
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      WORKER,
      JSON.stringify(args),
    ],
    { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffer = '';
    stream.on('data', chunk => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      childOutput.push(...lines);
    });
    stream.on('end', () => buffer && childOutput.push(buffer));
  }
  const exited = new Promise<number | null>(done =>
    child.on('exit', code => done(code)),
  );
  return { name: args.instanceId, process: child, exited };
}

async function createDatabase(): Promise<{
  knexConfig: Knex.Config;
  drop: () => Promise<void>;
}> {
  const name = `chaos_${Date.now()}`;
  const admin = knexFactory({ client: 'pg', connection: PG });
  try {
    await admin.raw('select 1');
  } catch (error) {
    await admin.destroy();
    throw new Error(
      `The chaos run needs PostgreSQL at ${PG} (set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING): ${
        (error as Error).message
      }`,
    );
  }
  await admin.raw('create database ??', [name]);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return {
    knexConfig: { client: 'pg', connection: url.toString() },
    drop: async () => {
      await admin.raw('drop database if exists ?? with (force)', [name]);
      await admin.destroy();
    },
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  const names = Array.from(
    { length: BINDINGS },
    (_, i) => `chaos-${String(i).padStart(2, '0')}`,
  );
  const world = new TestWorld(
    names.map((name, i) => ({
      name,
      flavor: (i % 4 === 3 ? 'x' : 'edge') as 'x' | 'edge',
    })),
  );
  await world.start({ propagationDelayMs: 0 });
  const { knexConfig, drop } = await createDatabase();
  const knex = knexFactory(knexConfig);
  // Short bounds so that a faulty call is retried a few times and a rotation ends quickly.
  const configData = world.configData({
    gracePeriod: { seconds: 2 },
    leaseDuration: { seconds: 2 },
    testTimeout: { seconds: 5 },
    retry: {
      maxDuration: { seconds: 3 },
      initialDelay: { milliseconds: 20 },
      maxDelay: { milliseconds: 300 },
    },
  });
  const bindings = names.map(n => world.scenario(n).binding);
  const parent = await world.createEngine({
    knex,
    instanceId: 'chaos-parent',
    rotation: (configData.apigeeCredentials as any).rotation,
  });
  await parent.syncBindings(bindings);

  // ---------------------------------------------------------------- consumer
  const sm = new SecretsManagerClient({
    endpoint: world.url,
    region: REGION,
    credentials: {
      accessKeyId: 'TESTTESTACCOUNT11111',
      secretAccessKey: 'consumer',
    },
    // A real consumer retries its reads too; faults hit them as much as the engine's.
    maxAttempts: 10,
  });
  let consumerCalls = 0;
  let consumerFailures = 0;
  let consumerReadErrors = 0;
  const consumerFailureNotes: string[] = [];
  let consuming = true;
  const consumer = async (offset: number) => {
    for (let i = offset; consuming; i++) {
      const name = names[i % names.length];
      let key: string;
      try {
        const value = await sm.send(
          new GetSecretValueCommand({
            SecretId: world.scenario(name).secretName,
          }),
        );
        key = JSON.parse(value.SecretString!).consumerKey;
      } catch {
        consumerReadErrors++;
        continue;
      }
      consumerCalls++;
      if (!(await world.gatewayAccepts(name, key))) {
        consumerFailures++;
        consumerFailureNotes.push(`${name} at ${new Date().toISOString()}`);
      }
    }
  };
  const consumers = Array.from({ length: CONSUMERS }, (_, i) =>
    consumer(i * 10),
  );

  // ---------------------------------------------------------------- faults
  const sandbox = world.sandbox;
  sandbox.faults.resetCounters();
  const rules = [
    {
      id: 'apigee-5xx',
      service: 'apigee' as const,
      errorRate: 0.12,
      error: 'server-error' as const,
    },
    {
      id: 'apigee-429',
      service: 'apigee' as const,
      errorRate: 0.08,
      error: 'too-many-requests' as const,
    },
    {
      id: 'apigee-500',
      service: 'apigee' as const,
      errorRate: 0.08,
      error: 'server-error' as const,
      status: 500,
    },
    {
      id: 'sm-throttling',
      service: 'secretsmanager' as const,
      errorRate: 0.12,
      error: 'throttling' as const,
    },
    {
      id: 'sm-429',
      service: 'secretsmanager' as const,
      errorRate: 0.08,
      error: 'too-many-requests' as const,
    },
    {
      id: 'sm-5xx',
      service: 'secretsmanager' as const,
      errorRate: 0.08,
      error: 'server-error' as const,
    },
    // Slow calls that still succeed, well inside the 5 s request timeout.
    {
      id: 'apigee-hang',
      service: 'apigee' as const,
      errorRate: 0.03,
      error: 'none' as const,
      hangMs: 1500,
    },
    {
      id: 'sm-hang',
      service: 'secretsmanager' as const,
      errorRate: 0.03,
      error: 'none' as const,
      hangMs: 1500,
    },
  ];
  for (const rule of rules) sandbox.faults.addRule(rule);

  // ---------------------------------------------------------------- workers and kills
  let generation = 0;
  const spawnWorker = () =>
    startWorker({
      configData,
      knexConfig,
      instanceId: `chaos-worker-${++generation}`,
      bindings,
      concurrency: WORKER_CONCURRENCY,
    });
  const workers: Worker[] = Array.from({ length: WORKERS }, spawnWorker);
  let kills = 0;
  const completedCount = async () =>
    Number(
      (
        await knex('rotations').where({ phase: 'completed' }).count({ n: '*' })
      )[0].n,
    );
  let rotations = 0;
  while (Date.now() - started < MAX_CHAOS_MS) {
    await sleep(between(3000, 8000));
    const index = Math.floor(Math.random() * workers.length);
    const victim = workers[index];
    victim.process.kill('SIGKILL');
    await victim.exited;
    kills++;
    workers[index] = spawnWorker();
    rotations = await completedCount();
    log(
      `killed ${victim.name} (${kills} kills), ${rotations} rotations completed, ${consumerCalls} consumer calls`,
    );
    if (rotations >= MIN_ROTATIONS && Date.now() - started > MIN_CHAOS_MS)
      break;
  }

  // ---------------------------------------------------------------- converge
  sandbox.faults.clearRules();
  const counters = sandbox.faults.counters();
  const sum = (map: Record<string, number>, prefix: string) =>
    Object.entries(map)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((total, [, n]) => total + n, 0);
  const faults = sum(counters.faults, '');
  for (const service of ['apigee.', 'secretsmanager.']) {
    log(
      `${service} ${sum(counters.faults, service)} faults in ${sum(
        counters.calls,
        service,
      )} calls`,
    );
  }
  for (const worker of workers) {
    worker.process.kill('SIGKILL'); // the last kill, mid-rotation
    await worker.exited;
    kills++;
  }
  log('faults off, workers gone; converging');
  await sleep(2500); // the dead workers' leases expire
  for (let round = 0; round < 30; round++) {
    const resumed = await parent.resume();
    const unfinished = Number(
      (
        await knex('rotations')
          .whereNotIn('phase', ['completed', 'failed'])
          .count({ n: '*' })
      )[0].n,
    );
    await sleep(2500); // grace periods of the last promotions end
    const deletions = await parent.runDueDeletions();
    log(
      `round ${round}: resumed ${
        resumed.length
      }, unfinished ${unfinished}, deletions ${JSON.stringify(deletions)}`,
    );
    if (
      resumed.length === 0 &&
      unfinished === 0 &&
      deletions.deleted === 0 &&
      deletions.failed === 0
    )
      break;
  }
  consuming = false;
  await Promise.all(consumers);

  // ---------------------------------------------------------------- invariants
  let orphanKeys = 0;
  let danglingPending = 0;
  const notes: string[] = [];
  for (const name of names) {
    const current = world.secretValue(name)?.consumerKey;
    const keys = world.appKeys(name);
    const currentKey = keys.find(k => k.consumerKey === current);
    const productsOk =
      currentKey?.status === 'approved' &&
      currentKey.apiProducts.some(
        p => p.apiproduct === 'orders-api' && p.status === 'approved',
      );
    if (!productsOk) {
      orphanKeys++;
      notes.push(`${name}: AWSCURRENT key not approved with its products`);
    }
    const extra = keys.filter(k => k.consumerKey !== current).length;
    if (extra) notes.push(`${name}: ${extra} keys besides the current one`);
    orphanKeys += extra;
    danglingPending += world.pendingVersions(name).length;
  }
  const nonTerminal = Number(
    (
      await knex('rotations')
        .whereNotIn('phase', ['completed', 'failed'])
        .count({ n: '*' })
    )[0].n,
  );
  rotations = await completedCount();
  const failedRotations = Number(
    (await knex('rotations').where({ phase: 'failed' }).count({ n: '*' }))[0].n,
  );
  const { leaks, scannedValues, scannedTexts } = await findSecretLeaks(
    world,
    [knex],
    childOutput,
  );
  log(
    `${rotations} completed and ${failedRotations} rolled-back rotations; ${consumerReadErrors} consumer reads gave up; leak scan of ${scannedValues} values over ${scannedTexts} texts; ${Math.round(
      (Date.now() - started) / 1000,
    )} s`,
  );
  for (const note of [...notes, ...consumerFailureNotes, ...leaks]) log(note);

  await knex.destroy();
  await world.stop();
  await drop();
  sm.destroy();

  const figures = {
    rotations,
    faults,
    kills,
    consumer_calls: consumerCalls,
    consumer_failures: consumerFailures,
    orphan_keys: orphanKeys,
    dangling_pending: danglingPending,
    non_terminal: nonTerminal,
    leaks: leaks.length,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  const clean =
    consumerFailures === 0 &&
    orphanKeys === 0 &&
    danglingPending === 0 &&
    nonTerminal === 0 &&
    leaks.length === 0;
  if (rotations < MIN_ROTATIONS)
    log(`only ${rotations} rotations completed, ${MIN_ROTATIONS} required`);
  return clean && rotations >= MIN_ROTATIONS ? 0 : 1;
}

main().then(
  code => process.exit(code),
  error => {
    log(`chaos run failed: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
