import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import knexFactory, { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import { TestWorld } from '../__testUtils__/world';
import type { FaultRule } from '@keyrotation/apigee-sandbox';
import type { CrashWorkerArgs } from '../__testUtils__/crashWorker';
import { RotationPhase, RotationRecord } from './types';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const PACKAGE_DIR = resolve(__dirname, '../..');
const WORKER = resolve(__dirname, '../__testUtils__/crashWorker.ts');

/**
 * Where the worker process is killed: `<phase>:effect` is after the step's external change
 * and before its phase is stored; `<phase>:persisted` is right after. Every phase is stored
 * as it is reached, so the kill points are both sides of every phase of the protocol
 * (docs/protocol.md), forward and rollback, and the database holds the phase before.
 */
const FORWARD: RotationPhase[] = [
  'started',
  'created',
  'imported',
  'associated',
  'tested',
  'promoted',
  'completed',
];
// These rotations fail their test step (the probe never passes) and roll back.
const ROLLBACK: RotationPhase[] = ['associated', 'rolling_back', 'failed'];

function killPoints(phases: RotationPhase[], outcome: 'completed' | 'failed') {
  return phases.slice(1).flatMap((phase, i) => [
    { at: `${phase}:effect`, storedPhase: phases[i], outcome },
    { at: `${phase}:persisted`, storedPhase: phase, outcome },
  ]);
}

const KILL_POINTS: Array<{
  at: string;
  storedPhase: RotationPhase;
  outcome: 'completed' | 'failed';
}> = [
  // `started` is stored with the lease, before any side effect.
  { at: 'started:persisted', storedPhase: 'started', outcome: 'completed' },
  ...killPoints(FORWARD, 'completed'),
  ...killPoints(ROLLBACK, 'failed'),
];
/** Killed after the terminal phase was stored: nothing is left to resume. */
const finished = (at: string) =>
  at === 'completed:persisted' || at === 'failed:persisted';

const targets = [
  { kind: 'sqlite-file', tag: 'sqlite' },
  ...(databases.supports('POSTGRES_15') &&
  databases.eachSupportedId().some(([id]) => id === 'POSTGRES_15')
    ? [{ kind: 'postgres', tag: 'pg' }]
    : []),
];

const scenarioName = (index: number, tag: string) => `crash-${index}-${tag}`;

/** How long the sandbox holds an answer: past the kill, within the worker's request timeout. */
const HOLD_MS = 20_000;

/**
 * Kill points that the engine gets no say in: the worker is in the middle of an HTTP request
 * (the sandbox holds the answer, having carried the operation out or not yet), or in the
 * middle of a database transaction (its statements ran, its COMMIT was never sent). The
 * database holds `storedPhase`, and a new process finishes each rotation.
 */
const IN_FLIGHT: Array<{
  at: string;
  storedPhase: RotationPhase;
  /** The sandbox rule that holds the request (it fires once). */
  rule?: Omit<FaultRule, 'id'>;
  /** The phase whose transaction is held before its COMMIT. */
  holdCommit?: RotationPhase;
  /** What the sandbox shows while the request or transaction is held. */
  held: (seen: TestWorld, name: string) => boolean;
}> = [
  {
    at: 'PutSecretValue carried out, its answer never sent',
    storedPhase: 'started',
    rule: {
      service: 'secretsmanager',
      operation: 'PutSecretValue',
      answerLost: true,
      error: 'none',
    },
    held: (seen, name) => seen.pendingVersions(name).length === 1,
  },
  {
    at: 'keys.create carried out, its answer never sent',
    storedPhase: 'created',
    rule: {
      service: 'apigee',
      operation: 'keys.create',
      answerLost: true,
      error: 'none',
    },
    held: (seen, name) => seen.appKeys(name).length === 2,
  },
  {
    at: 'keys.update received, not yet carried out',
    storedPhase: 'imported',
    rule: { service: 'apigee', operation: 'keys.update', error: 'none' },
    held: (seen, name) =>
      seen.appKeys(name).length === 2 &&
      seen.appKeys(name).some(key => key.apiProducts.length === 0),
  },
  {
    at: 'UpdateSecretVersionStage carried out, its answer never sent',
    storedPhase: 'tested',
    rule: {
      service: 'secretsmanager',
      operation: 'UpdateSecretVersionStage',
      answerLost: true,
      error: 'none',
    },
    held: (seen, name) =>
      seen.secretValue(name)!.consumerKey !== seen.scenario(name).initialKey,
  },
  {
    // The richest transaction: rotation row, binding row, old key's deletion, lease release.
    at: 'completion written, its transaction not committed',
    storedPhase: 'promoted',
    holdCommit: 'completed',
    held: (seen, name) =>
      seen.secretValue(name)!.consumerKey !== seen.scenario(name).initialKey,
  },
];
const inFlightName = (index: number, tag: string) => `inflight-${index}-${tag}`;

const world = new TestWorld(
  targets.flatMap(({ tag }) => [
    ...KILL_POINTS.map((point, index) => ({
      name: scenarioName(index, tag),
      flavor: (index % 3 === 2 ? 'x' : 'edge') as 'x' | 'edge',
      probePath: point.outcome === 'failed' ? '/nowhere' : '/orders',
    })),
    ...IN_FLIGHT.map((_, index) => ({
      name: inFlightName(index, tag),
      flavor: (index % 2 ? 'x' : 'edge') as 'x' | 'edge',
    })),
  ]),
);
const knexes: Knex[] = [];
const childOutput: string[] = [];
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'apigee-credentials-crash-'));
  await world.start();
});
afterAll(async () => {
  for (const knex of knexes) await knex.destroy().catch(() => {});
  await world.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  /** Writes a line to the worker's stdin (e.g. "GO <bindingId>"). */
  send(line: string): void;
  stdout: string[];
  exited: Promise<number | null>;
  /** Resolves once a stdout line passes the test. */
  waitFor(test: (lines: string[]) => boolean, timeoutMs: number): Promise<void>;
}

function startWorker(args: CrashWorkerArgs): Child {
  const child = spawn(
    process.execPath,
    [
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      WORKER,
      JSON.stringify(args),
    ],
    {
      cwd: PACKAGE_DIR,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env },
    },
  );
  const stdout: string[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout!.on('data', chunk => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    stdout.push(...lines);
    childOutput.push(...lines);
    waiters.forEach(w => w());
  });
  let errBuffer = '';
  child.stderr!.on('data', chunk => {
    errBuffer += chunk.toString();
    const lines = errBuffer.split('\n');
    errBuffer = lines.pop()!;
    childOutput.push(...lines);
  });
  const exited = new Promise<number | null>(done =>
    child.on('exit', code => done(code)),
  );
  return {
    process: child,
    send: line => child.stdin!.write(`${line}\n`),
    stdout,
    exited,
    waitFor: (test, timeoutMs) =>
      new Promise((resolvePromise, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `Worker did not get there in ${timeoutMs} ms; stdout:\n${stdout.join(
                  '\n',
                )}\n${childOutput.slice(-20).join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        const check = () => {
          if (test(stdout)) {
            clearTimeout(timer);
            resolvePromise();
          }
        };
        waiters.push(check);
        child.on('exit', () => {
          check();
        });
        check();
      }),
  };
}

async function openDatabase(kind: string, tag: string): Promise<Knex.Config> {
  if (kind === 'sqlite-file') {
    return {
      client: 'better-sqlite3',
      connection: { filename: join(tmp, `engine-${tag}.sqlite`) },
      useNullAsDefault: true,
    };
  }
  const knex = await databases.init('POSTGRES_15');
  const config = knex.client.config as Knex.Config;
  return { client: 'pg', connection: config.connection };
}

/**
 * The credential of scenario `name` after a crash and a takeover: one rotation row with the
 * outcome, no AWSPENDING, exactly the keys the outcome leaves, and AWSCURRENT working.
 */
async function expectConsistent(
  knex: Knex,
  name: string,
  expected: {
    at: string;
    outcome: 'completed' | 'failed';
    attempts: number;
  },
) {
  const scenario = world.scenario(name);
  const rows = await knex('rotations').where({
    binding_id: scenario.binding.id,
  });
  const context = { at: expected.at, name };
  expect({
    ...context,
    rows: rows.length,
    phase: rows[0].phase,
    active: rows[0].active_binding_id,
  }).toEqual({
    ...context,
    rows: 1,
    phase: expected.outcome,
    active: null,
  });
  expect({
    ...context,
    pending: world.pendingVersions(name).length,
  }).toEqual({ ...context, pending: 0 });
  const keys = world
    .appKeys(name)
    .map(k => k.consumerKey)
    .sort();
  const current = world.secretValue(name)!;
  const completed = expected.outcome === 'completed';
  // Completed: the new key is current and the old one waits for deletion. Failed: untouched.
  expect({
    ...context,
    keys,
    currentIsNew: current.consumerKey !== scenario.initialKey,
    recordedNewKey:
      rows[0].new_key_fingerprint === fingerprint(current.consumerKey),
    attempts: Number(rows[0].attempts),
    errorCode: rows[0].error_code,
  }).toEqual({
    ...context,
    keys: (completed
      ? [scenario.initialKey, current.consumerKey]
      : [scenario.initialKey]
    ).sort(),
    currentIsNew: completed,
    recordedNewKey: completed,
    attempts: expected.attempts,
    errorCode: completed ? null : 'probe',
  });
  expect({ ...context, works: await world.currentWorks(name) }).toEqual({
    ...context,
    works: true,
  });
}

/** Polls `test` every 20 ms until it holds; fails after `timeoutMs` with `what`. */
async function until(test: () => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

describe.each(targets)('crash safety on $kind', ({ kind, tag }) => {
  it('a worker process killed after each step is taken over by a new process, which finishes or rolls back: no extra key, no AWSPENDING', async () => {
    const knexConfig = await openDatabase(kind, tag);
    const configData = world.configData({ testTimeout: { milliseconds: 600 } });
    const bindings = KILL_POINTS.map(
      // Old keys retired by time: this test is about the durability of their deletion.
      (_, index) => ({
        ...world.scenario(scenarioName(index, tag)).binding,
        retireOldKeys: 'time' as const,
      }),
    );
    const killAt = Object.fromEntries(
      KILL_POINTS.map((point, index) => [bindings[index].id, point.at]),
    );

    // 1. One worker process runs every rotation; each halts at its own kill point.
    const first = startWorker({
      mode: 'rotate',
      configData,
      knexConfig,
      instanceId: `doomed-${tag}`,
      bindings,
      killAt,
    });
    await first.waitFor(
      lines =>
        bindings.every(b => lines.includes(`HALTED ${b.id} ${killAt[b.id]}`)),
      60_000,
    );
    first.process.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed by a signal, no exit code

    const knex = knexFactory(knexConfig);
    knexes.push(knex);
    const rotationOf = async (bindingId: string) =>
      knex('rotations').where({ binding_id: bindingId });
    for (const [index, point] of KILL_POINTS.entries()) {
      const rows = await rotationOf(bindings[index].id);
      expect({ at: point.at, phases: rows.map(r => r.phase) }).toEqual({
        at: point.at,
        phases: [point.storedPhase],
      });
    }

    // 2. A new process starts once the dead worker's leases (2 s) have expired.
    await new Promise(r => setTimeout(r, 2100));
    const second = startWorker({
      mode: 'resume',
      configData,
      knexConfig,
      instanceId: `heir-${tag}`,
    });
    expect(await second.exited).toBe(0);
    const resumedLine = second.stdout.find(l => l.startsWith('RESUMED '));
    const resumed = JSON.parse(
      resumedLine!.slice('RESUMED '.length),
    ) as RotationRecord[];
    expect(resumed).toHaveLength(
      KILL_POINTS.filter(p => !finished(p.at)).length,
    );

    // 3. Every credential ends consistent and working.
    for (const [index, point] of KILL_POINTS.entries()) {
      await expectConsistent(knex, scenarioName(index, tag), {
        at: point.at,
        outcome: point.outcome,
        attempts: finished(point.at) ? 1 : 2,
      });
    }

    // 4. The old keys' deletions were stored durably and happen after the grace period.
    const engine = await world.createEngine({
      knex,
      instanceId: `janitor-${tag}`,
    });
    await new Promise(r => setTimeout(r, 2100));
    const summary = await engine.retireOldKeys();
    const completedCount = KILL_POINTS.filter(
      p => p.outcome === 'completed',
    ).length;
    expect(summary).toMatchObject({
      deleted: completedCount,
      skipped: 0,
      blocked: 0,
    });
    for (const index of KILL_POINTS.keys()) {
      const name = scenarioName(index, tag);
      expect(world.appKeys(name).map(k => k.consumerKey)).toEqual([
        world.secretValue(name)!.consumerKey,
      ]);
    }
  });

  it('a worker killed in the middle of an HTTP request or of a database transaction is taken over the same way', async () => {
    const knexConfig = await openDatabase(kind, tag);
    // The worker waits for the answers that the sandbox holds, instead of timing out.
    const configData = world.configData();
    const credentials = configData.apigeeCredentials as any;
    for (const provider of credentials.providers)
      provider.requestTimeout = { seconds: 60 };
    credentials.aws.requestTimeout = { seconds: 60 };
    const names = IN_FLIGHT.map((_, index) => inFlightName(index, tag));
    const bindings = names.map(name => world.scenario(name).binding);

    // 1. Every rotation waits once it has started; then one at a time goes on until it is
    //    held, so that each sandbox rule catches the call of its own rotation.
    const worker = startWorker({
      mode: 'rotate',
      configData,
      knexConfig,
      instanceId: `cut-${tag}`,
      bindings,
      pauseAt: Object.fromEntries(
        bindings.map(binding => [binding.id, 'started:persisted']),
      ),
      holdCommit: Object.fromEntries(
        IN_FLIGHT.flatMap((point, index) =>
          point.holdCommit ? [[bindings[index].id, point.holdCommit]] : [],
        ),
      ),
    });
    await worker.waitFor(
      lines =>
        bindings.every(b => lines.includes(`PAUSED ${b.id} started:persisted`)),
      60_000,
    );
    for (const [index, point] of IN_FLIGHT.entries()) {
      const ruleId = `in-flight-${tag}-${index}`;
      if (point.rule) {
        world.sandbox.faults.addRule({
          id: ruleId,
          failNext: 1,
          hangMs: HOLD_MS,
          ...point.rule,
        });
      }
      worker.send(`GO ${bindings[index].id}`);
      if (point.rule) {
        await until(
          () => world.sandbox.faults.counters().rules[ruleId] === 1,
          `${point.at} (${names[index]})`,
        );
      } else {
        await worker.waitFor(
          lines =>
            lines.includes(
              `HELD ${bindings[index].id} commit:${point.holdCommit}`,
            ),
          30_000,
        );
      }
      await until(
        () => point.held(world, names[index]),
        `the effect of ${point.at}`,
      );
    }
    worker.process.kill('SIGKILL');
    expect(await worker.exited).toBeNull();
    world.sandbox.faults.clearRules();

    // The database holds the phase before each cut: a held transaction was rolled back.
    const knex = knexFactory(knexConfig);
    knexes.push(knex);
    for (const [index, point] of IN_FLIGHT.entries()) {
      const rows = await knex('rotations').where({
        binding_id: bindings[index].id,
      });
      expect({ at: point.at, phases: rows.map(r => r.phase) }).toEqual({
        at: point.at,
        phases: [point.storedPhase],
      });
      // Every cut rotation still holds its lease, and the binding does not show the new key:
      // only the completion writes both, and its held transaction was rolled back.
      const binding = await knex('bindings')
        .where({ id: bindings[index].id })
        .first();
      expect({
        at: point.at,
        bindingHasNewKey:
          binding.current_key_fingerprint === rows[0].new_key_fingerprint,
        leases: (await knex('leases').where({ binding_id: bindings[index].id }))
          .length,
      }).toEqual({ at: point.at, bindingHasNewKey: false, leases: 1 });
    }

    // 2. A new process takes over once the leases (2 s) have expired, and finishes each.
    await new Promise(r => setTimeout(r, 2100));
    const heir = startWorker({
      mode: 'resume',
      configData,
      knexConfig,
      instanceId: `heir-of-cut-${tag}`,
    });
    expect(await heir.exited).toBe(0);
    const resumedLine = heir.stdout.find(l => l.startsWith('RESUMED '));
    expect(JSON.parse(resumedLine!.slice('RESUMED '.length))).toHaveLength(
      IN_FLIGHT.length,
    );
    for (const [index, point] of IN_FLIGHT.entries()) {
      await expectConsistent(knex, names[index], {
        at: point.at,
        outcome: 'completed',
        attempts: 2,
      });
    }
  });
});

it('leaves no generated secret value in the workers’ output, table rows or events', async () => {
  const { leaks, scannedValues } = await findSecretLeaks(
    world,
    knexes,
    childOutput,
  );
  expect(scannedValues).toBeGreaterThan(KILL_POINTS.length * 2);
  expect(childOutput.length).toBeGreaterThan(100);
  expect(leaks).toEqual([]);
});
