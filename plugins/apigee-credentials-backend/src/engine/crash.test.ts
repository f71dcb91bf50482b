import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import knexFactory, { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import { TestWorld } from '../__testUtils__/world';
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

const world = new TestWorld(
  targets.flatMap(({ tag }) =>
    KILL_POINTS.map((point, index) => ({
      name: scenarioName(index, tag),
      flavor: (index % 3 === 2 ? 'x' : 'edge') as 'x' | 'edge',
      probePath: point.outcome === 'failed' ? '/nowhere' : '/orders',
    })),
  ),
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
      stdio: ['ignore', 'pipe', 'pipe'],
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
      const name = scenarioName(index, tag);
      const scenario = world.scenario(name);
      const rows = await rotationOf(bindings[index].id);
      const context = { at: point.at, name };
      expect({
        ...context,
        rows: rows.length,
        phase: rows[0].phase,
        active: rows[0].active_binding_id,
      }).toEqual({
        ...context,
        rows: 1,
        phase: point.outcome,
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
      const completed = point.outcome === 'completed';
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
        attempts: finished(point.at) ? 1 : 2,
        errorCode: completed ? null : 'probe',
      });
      expect({ ...context, works: await world.currentWorks(name) }).toEqual({
        ...context,
        works: true,
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
