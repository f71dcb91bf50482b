/*
 * Chaos run (`yarn test:chaos`): hundreds of rotations across dozens of bindings while the
 * sandbox fails a quarter of the Apigee and Secrets Manager calls and rotation workers are
 * SIGKILLed at random moments. Consumers read AWSCURRENT and call the gateway with it the
 * whole time; "sticky" consumers read it only when they (re)start, every few seconds, long
 * after the grace period: old keys are retired by traffic, so they must never be cut off.
 * `CHAOS_RETIRE_OLD_KEYS=time` retires old keys when the grace period ends instead, to show
 * that sticky consumers fail without traffic checks. Once faults stop and the engine
 * converged, it checks the invariants of docs/protocol.md and prints one JSON line of
 * figures; it exits non-zero when any must-be-zero figure is not zero (or too few rotations
 * ran).
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
/** Consumers that read the secret only at start and restart every 3-6 s (grace is 2 s). */
const STICKY_CONSUMERS = 4;
const STICKY_RESTART_MS: [number, number] = [3000, 6000];
const RETIRE_OLD_KEYS: 'time' | 'traffic' =
  process.env.CHAOS_RETIRE_OLD_KEYS === 'time' ? 'time' : 'traffic';
/** Calls show in the sandbox's analytics this late; the provider allows 300 ms. */
const ANALYTICS_DELAY_MS = 200;
/** Hard bound on the faulty phase; the run fails if it has too few rotations by then. */
const MAX_CHAOS_MS = Number(process.env.CHAOS_MAX_MS ?? 10 * 60_000);
const MIN_CHAOS_MS = Number(process.env.CHAOS_MIN_MS ?? 45_000);
/** The gateway judges keys as they were this long ago (Apigee's key cache, scaled down). */
const PROPAGATION_DELAY_MS = 400;
/** How long a consumer keeps using a key it read: well inside the 2 s grace period. */
const CONSUMER_CACHE_MS = 1000;
/** The consumer's own retries of a failed read (the SDK's retry quota runs dry under faults). */
const CONSUMER_READ_ATTEMPTS = 20;
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
      // Every fourth on Apigee X, every fourth in an org allowing 3 keys per app (so rotations
      // make room by deleting old keys while consumers may still use them).
      flavor: (['edge', 'edge', 'edge-tight', 'x'] as const)[i % 4],
    })),
  );
  await world.start({ propagationDelayMs: PROPAGATION_DELAY_MS });
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
  // Short traffic windows so that a key falls silent within seconds of its last call; the
  // deadline is far beyond a sticky consumer's restart, so no key is revoked.
  const retirement = {
    deadline: { seconds: 60 },
    restoreWindow: { seconds: 5 },
    recheckInterval: { milliseconds: 500 },
    lookback: { seconds: 2 },
  };
  (configData.apigeeCredentials as any).retirement = retirement;
  const configured = await fetch(`${world.url}/_sandbox/config`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ analyticsDelayMs: ANALYTICS_DELAY_MS }),
  });
  if (!configured.ok) {
    throw new Error(
      `the sandbox refused analyticsDelayMs: ${configured.status}`,
    );
  }
  const bindings = names.map(n => ({
    ...world.scenario(n).binding,
    retireOldKeys: RETIRE_OLD_KEYS,
  }));
  const parent = await world.createEngine({
    knex,
    instanceId: 'chaos-parent',
    rotation: (configData.apigeeCredentials as any).rotation,
    configPatch: data => {
      data.apigeeCredentials.retirement = retirement;
    },
  });
  await parent.syncBindings(bindings);

  // ---------------------------------------------------------------- consumer
  // Like an application: reads AWSCURRENT, keeps using that key for a while, and calls the
  // gateway with it. A refusal of a key read less than CONSUMER_CACHE_MS ago is a failure.
  const sm = new SecretsManagerClient({
    endpoint: world.url,
    region: REGION,
    credentials: {
      accessKeyId: 'TESTTESTACCOUNT11111',
      secretAccessKey: 'consumer',
    },
    maxAttempts: 1,
  });
  let consumerCalls = 0;
  let consumerCallsUnderFaults = 0;
  let consumerFailures = 0;
  let consumerReadErrors = 0;
  let consumerReadFaults = 0;
  const readFaultKinds: Record<string, number> = {};
  const consumerFailureNotes: string[] = [];
  let consuming = true;
  /**
   * Eager consumers stop with the faults: what they prove (AWSCURRENT works) is checked for
   * every binding at the end, and their calls while the engine converges would make up most
   * of `consumer_calls` otherwise. Sticky consumers go on: old keys are retired meanwhile.
   */
  let eagerConsuming = true;
  let faultsActive = false;
  const readKey = async (name: string): Promise<string | undefined> => {
    for (let attempt = 1; attempt <= CONSUMER_READ_ATTEMPTS; attempt++) {
      let secretString: string | undefined;
      try {
        secretString = (
          await sm.send(
            new GetSecretValueCommand({
              SecretId: world.scenario(name).secretName,
            }),
          )
        ).SecretString;
      } catch (error) {
        consumerReadFaults++;
        const kind = (error as Error).name;
        readFaultKinds[kind] = (readFaultKinds[kind] ?? 0) + 1;
        await sleep(20 * attempt);
        continue;
      }
      try {
        const key = JSON.parse(secretString ?? '').consumerKey;
        if (typeof key === 'string' && key) return key;
      } catch {
        // counted below
      }
      consumerFailureNotes.push(`${name}: AWSCURRENT is not a JSON key pair`);
      return undefined;
    }
    consumerFailureNotes.push(`${name}: AWSCURRENT unreadable after retries`);
    return undefined;
  };
  const consumer = async (offset: number) => {
    for (let i = offset; consuming && eagerConsuming; i++) {
      const name = names[i % names.length];
      const key = await readKey(name);
      if (!key) {
        consumerReadErrors++;
        continue;
      }
      const readAt = Date.now();
      while (
        consuming &&
        eagerConsuming &&
        Date.now() - readAt < CONSUMER_CACHE_MS
      ) {
        const underFaults = faultsActive;
        // Not the probe's path: probe faults are for the engine only.
        const accepted = await world.gatewayAccepts(
          name,
          key,
          '/orders/consumer',
        );
        if (Date.now() - readAt >= CONSUMER_CACHE_MS) break;
        consumerCalls++;
        if (underFaults) consumerCallsUnderFaults++;
        if (!accepted) {
          consumerFailures++;
          consumerFailureNotes.push(
            `${name} at ${new Date().toISOString()}, key read ${
              Date.now() - readAt
            } ms before`,
          );
        }
        await sleep(50);
      }
    }
  };
  // A sticky consumer holds one binding's key from its (re)start on, like a service that
  // reads its secret at start-up; every call with it must be accepted.
  let stickyCalls = 0;
  const stickyConsumer = async (name: string) => {
    while (consuming) {
      const key = await readKey(name);
      if (!key) {
        consumerReadErrors++;
        continue;
      }
      const restartAt = Date.now() + between(...STICKY_RESTART_MS);
      while (consuming && Date.now() < restartAt) {
        const underFaults = faultsActive;
        const accepted = await world.gatewayAccepts(
          name,
          key,
          '/orders/consumer',
        );
        consumerCalls++;
        stickyCalls++;
        if (underFaults) consumerCallsUnderFaults++;
        if (!accepted) {
          consumerFailures++;
          consumerFailureNotes.push(
            `${name} (sticky) at ${new Date().toISOString()}: its key was refused`,
          );
        }
        await sleep(50);
      }
    }
  };
  // Not on the 3-key org: there, rotations must delete old keys to make room, used or not.
  const stickyNames = names
    .filter(n => world.scenario(n).spec.flavor !== 'edge-tight')
    .slice(0, STICKY_CONSUMERS);
  const consumers = [
    ...Array.from({ length: CONSUMERS }, (_, i) => consumer(i * 10)),
    ...stickyNames.map(stickyConsumer),
  ];

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
    // Writes carried out whose answer is lost (5xx, reset, or held past the 5 s timeout).
    ...(
      [
        ['apigee', 'keys.create'],
        ['apigee', 'keys.update'],
        ['apigee', 'keys.delete'],
        ['secretsmanager', 'PutSecretValue'],
        ['secretsmanager', 'UpdateSecretVersionStage'],
      ] as const
    ).flatMap(([service, operation]) => [
      {
        id: `lost-5xx-${operation}`,
        service,
        operation,
        errorRate: 0.03,
        answerLost: true,
      },
      {
        id: `lost-reset-${operation}`,
        service,
        operation,
        errorRate: 0.02,
        error: 'reset' as const,
        answerLost: true,
      },
      {
        id: `timeout-lost-${operation}`,
        service,
        operation,
        errorRate: 0.02,
        error: 'none' as const,
        hangMs: 6000,
        answerLost: true,
      },
    ]),
    // Reads that outlive the 5 s request timeout. (A write carried out after its client gave
    // up can land after the rollback that followed; nothing on the client side can undo that.)
    {
      id: 'timeout-late-apigee',
      service: 'apigee' as const,
      operation: 'apps.get',
      errorRate: 0.01,
      error: 'none' as const,
      hangMs: 6000,
    },
    {
      id: 'timeout-late-sm',
      service: 'secretsmanager' as const,
      operation: 'DescribeSecret',
      errorRate: 0.01,
      error: 'none' as const,
      hangMs: 6000,
    },
    // The engine's probe (not the consumer's path): refused, lost, or past its 2 s timeout.
    ...[
      { id: 'probe-5xx', errorRate: 0.1 },
      { id: 'probe-429', errorRate: 0.05, error: 'too-many-requests' as const },
      {
        id: 'probe-lost',
        errorRate: 0.03,
        error: 'reset' as const,
        answerLost: true,
      },
      {
        id: 'probe-timeout',
        errorRate: 0.02,
        error: 'none' as const,
        hangMs: 2500,
      },
    ].map(rule => ({
      ...rule,
      service: 'gateway' as const,
      path: '^/gateway/[^/]+/orders$',
    })),
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
  faultsActive = true;

  // ---------------------------------------------------------------- workers and kills
  let generation = 0;
  // Workers pick bindings at random from this list. The sticky consumers' bindings are in it
  // three times, so each is rotated every few seconds, within most of a sticky consumer's
  // hold of a key: an old key deleted while still in use is then seen at nearly every run
  // (with each binding once, a time-based run of 40 bindings was once seen with no failure).
  const stickyBindings = bindings.filter((_, i) =>
    stickyNames.includes(names[i]),
  );
  const workerBindings = [...bindings, ...stickyBindings, ...stickyBindings];
  const spawnWorker = () =>
    startWorker({
      configData,
      knexConfig,
      instanceId: `chaos-worker-${++generation}`,
      bindings: workerBindings,
      concurrency: WORKER_CONCURRENCY,
    });
  const workers: Worker[] = Array.from({ length: WORKERS }, spawnWorker);
  let kills = 0;
  let rotationsInterrupted = 0;
  /** Rotations the worker held a lease for and had not finished: what a kill interrupted. */
  const interruptedBy = async (worker: Worker) =>
    Number(
      (
        await knex('rotations')
          .join('leases', 'leases.binding_id', 'rotations.binding_id')
          .where('leases.holder', worker.name)
          .whereNotIn('rotations.phase', ['completed', 'failed'])
          .count({ n: '*' })
      )[0].n,
    );
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
    rotationsInterrupted += await interruptedBy(victim);
    workers[index] = spawnWorker();
    rotations = await completedCount();
    log(
      `killed ${victim.name} (${kills} kills, ${rotationsInterrupted} rotations interrupted), ${rotations} rotations completed, ${consumerCalls} consumer calls`,
    );
    if (rotations >= MIN_ROTATIONS && Date.now() - started > MIN_CHAOS_MS)
      break;
  }

  // ---------------------------------------------------------------- converge
  for (const worker of workers) {
    worker.process.kill('SIGKILL'); // the last kill, mid-rotation
    await worker.exited;
    kills++;
    rotationsInterrupted += await interruptedBy(worker);
  }
  sandbox.faults.clearRules();
  faultsActive = false;
  const counters = sandbox.faults.counters();
  const sum = (map: Record<string, number>, prefix: string) =>
    Object.entries(map)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((total, [, n]) => total + n, 0);
  // The engine's faults: the consumer's own read faults are reported apart.
  const faults = sum(counters.faults, '') - consumerReadFaults;
  const fired = (prefix: string) => sum(counters.rules, prefix);
  const lostResponses = fired('lost-') + fired('timeout-lost-');
  const timeouts = fired('timeout-') + fired('probe-timeout');
  const probeFaults = fired('probe-');
  for (const service of ['apigee.', 'secretsmanager.']) {
    log(
      `${service} ${sum(counters.faults, service)} faults in ${sum(
        counters.calls,
        service,
      )} calls`,
    );
  }
  log('workers gone, faults off; converging');
  eagerConsuming = false;
  await sleep(2500); // the dead workers' leases expire
  // Analytics counts per minute: a sticky consumer's old key falls silent up to a minute
  // after its last call, so converging may take a few rounds more than the rotations need.
  for (let round = 0; round < 45; round++) {
    const resumed = await parent.resume();
    const unfinished = Number(
      (
        await knex('rotations')
          .whereNotIn('phase', ['completed', 'failed'])
          .count({ n: '*' })
      )[0].n,
    );
    await sleep(2500); // grace periods of the last promotions end
    const deletions = await parent.retireOldKeys();
    log(
      `round ${round}: resumed ${
        resumed.length
      }, unfinished ${unfinished}, deletions ${JSON.stringify(deletions)}`,
    );
    const oldKeysLeft = Number(
      (
        await knex('key_deletions')
          .whereNotIn('status', ['deleted', 'blocked'])
          .count({ n: '*' })
      )[0].n,
    );
    if (
      resumed.length === 0 &&
      unfinished === 0 &&
      oldKeysLeft === 0 &&
      deletions.skipped === 0
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
  // Old keys that a traffic check found still used, and so kept (sticky consumers' keys).
  const keptInUse = Number(
    (
      await knex('key_deletions')
        .where({ notified_state: 'in-use' })
        .count({ n: '*' })
    )[0].n,
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
  log(`consumer read faults by kind: ${JSON.stringify(readFaultKinds)}`);
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
    consumer_read_errors: consumerReadErrors,
    consumer_read_faults: consumerReadFaults,
    consumer_calls_under_faults: consumerCallsUnderFaults,
    sticky_consumers: stickyNames.length,
    sticky_consumer_calls: stickyCalls,
    old_keys_kept_in_use: keptInUse,
    retire_old_keys: RETIRE_OLD_KEYS,
    lost_responses: lostResponses,
    timeouts,
    probe_faults: probeFaults,
    propagation_delay_ms: PROPAGATION_DELAY_MS,
    rotations_interrupted: rotationsInterrupted,
    orphan_keys: orphanKeys,
    dangling_pending: danglingPending,
    non_terminal: nonTerminal,
    leaks: leaks.length,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  // Each must hold, or the run did not test what it claims to.
  const coverage: Array<[string, boolean]> = [
    [
      'most consumer calls while faults and kills are active',
      consumerCallsUnderFaults * 2 > consumerCalls,
    ],
    ['lost responses injected', lostResponses > 0],
    ['calls past the client timeout injected', timeouts > 0],
    ['probe faults injected', probeFaults > 0],
    ['rotations interrupted by kills', rotationsInterrupted > 0],
    [
      'old keys kept because sticky consumers still used them',
      RETIRE_OLD_KEYS === 'time' || keptInUse > 0,
    ],
  ];
  for (const [what, ok] of coverage) if (!ok) log(`not covered: ${what}`);
  const clean =
    coverage.every(([, ok]) => ok) &&
    consumerFailures === 0 &&
    consumerReadErrors === 0 &&
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
