import { databaseCpuMs, ownCpuMs, processCpuMs } from './cpu';
import { createBenchDatabase } from './database';
import { startRemoteSandbox } from './remoteSandbox';
import { RoundTripTracker } from './roundTrips';
import {
  benchConfig,
  CountingLogger,
  createBenchEngine,
  createPass,
  seedBindings,
} from './world';

export interface FleetResult {
  credentials: number;
  concurrency: number;
  latencyMs: number;
  rotated: number;
  wallMs: number;
  /** Every sandbox call per credential (Apigee, Secrets Manager, gateway probe). */
  callsPerRotation: number;
  /**
   * Sequential round trips per credential (k), measured: the longest chain of a credential's
   * calls in which each starts after the one before ended. Calls sent together (the
   * developer read beside each app read, the secret and app reads of a check) count once.
   */
  roundTripsPerRotation: number;
  callsByOperation: Record<string, number>;
  /** Database statements per credential (the pass's and the engine's). */
  dbStatementsPerRotation: number;
  /**
   * Per credential, mean: time from the start of its check to the end of its rotation; of
   * that, the time in its k sequential round trips (k·L of it is the added latency) and in
   * database statements. The rest is waiting for the CPU (event loop, other processes).
   */
  elapsedMsPerRotation: number;
  roundTripMsPerRotation: number;
  databaseMsPerRotation: number;
  /** CPU time per credential of the backend (this process) and of the sandbox process. */
  backendCpuMsPerRotation: number;
  sandboxCpuMsPerRotation?: number;
  /** CPU time per credential of the PostgreSQL backends serving the benchmark's database. */
  databaseCpuMsPerRotation?: number;
  idealMs: number;
  ratio: number;
  warnings: number;
  /** The calls and statements of the credential whose elapsed time is the median. */
  medianTimeline: string[];
}

/**
 * One scheduled pass (adoption check + rotation of each credential, the plugin's p-limit
 * concurrency) over `credentials` due credentials while the sandbox adds `latencyMs` to every
 * call. The ideal is credentials·k·L/C, with k measured per credential.
 */
export async function runFleetRotation(options: {
  credentials: number;
  concurrency: number;
  latencyMs: number;
}): Promise<FleetResult> {
  const { credentials, concurrency, latencyMs } = options;
  const sandbox = await startRemoteSandbox(credentials);
  const db = await createBenchDatabase('fleet');
  try {
    const logger = new CountingLogger();
    const engine = await createBenchEngine({
      // The engine's own limit on running rotations, shared with the pass.
      config: benchConfig(sandbox.configData, data => {
        data.apigeeCredentials.concurrency = concurrency;
      }),
      knex: db.knex,
      logger,
    });
    const pass = createPass({ knex: db.knex, engine, logger, concurrency });
    await seedBindings(db.knex, engine, sandbox.bindings);

    // The pass checks and rotates each credential through these two calls: every HTTP call
    // they lead to is the credential's.
    const tracker = new RoundTripTracker();
    const adopt = engine.adopt.bind(engine);
    const rotate = engine.rotate.bind(engine);
    engine.adopt = (binding, adoptOptions) =>
      tracker.run(typeof binding === 'string' ? binding : binding.id, () =>
        adopt(binding, adoptOptions),
      );
    engine.rotate = (binding, request) =>
      tracker.run(typeof binding === 'string' ? binding : binding.id, () =>
        rotate(binding, request),
      );
    let statements = 0;
    db.knex.on('query', () => {
      statements += 1;
    });

    await sandbox.resetCounters();
    await sandbox.addFault({ id: 'bench-latency', latencyMs });
    tracker.start(db.knex);
    const sandboxCpuBefore = processCpuMs(sandbox.pid);
    const databaseCpuBefore = await databaseCpuMs(db.knex);
    const cpuBefore = ownCpuMs();
    const started = performance.now();
    const summary = await pass.run();
    const wallMs = performance.now() - started;
    const backendCpuMs = ownCpuMs() - cpuBefore;
    const sandboxCpuAfter = processCpuMs(sandbox.pid);
    // Backends that closed during the pass are missed; the pool keeps them open meanwhile.
    const databaseCpuAfter = await databaseCpuMs(db.knex);
    tracker.stop(db.knex);
    await sandbox.clearFaults();
    await engine.drain();

    const { calls } = await sandbox.counters();
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    if (tracker.totalCalls !== total) {
      throw new Error(
        `The sandbox counted ${total} calls but ${tracker.totalCalls} were traced to a credential; k cannot be measured`,
      );
    }
    const times = sandbox.bindings.map(b => tracker.times(b.id));
    const mean = (pick: (t: (typeof times)[number]) => number) =>
      times.reduce((sum, t) => sum + pick(t), 0) / credentials;
    const k = mean(t => t.roundTrips);
    const byElapsed = sandbox.bindings
      .map((b, i) => ({ id: b.id, elapsedMs: times[i].elapsedMs }))
      .sort((a, b) => a.elapsedMs - b.elapsedMs);
    const median = byElapsed[Math.floor(byElapsed.length / 2)];
    const idealMs = (credentials * k * latencyMs) / concurrency;
    return {
      credentials,
      concurrency,
      latencyMs,
      rotated: summary.rotated,
      wallMs,
      callsPerRotation: total / credentials,
      roundTripsPerRotation: k,
      callsByOperation: calls,
      dbStatementsPerRotation: statements / credentials,
      elapsedMsPerRotation: mean(t => t.elapsedMs),
      roundTripMsPerRotation: mean(t => t.roundTripMs),
      databaseMsPerRotation: mean(t => t.databaseMs),
      backendCpuMsPerRotation: backendCpuMs / credentials,
      sandboxCpuMsPerRotation:
        sandboxCpuBefore !== undefined && sandboxCpuAfter !== undefined
          ? (sandboxCpuAfter - sandboxCpuBefore) / credentials
          : undefined,
      databaseCpuMsPerRotation:
        databaseCpuBefore !== undefined && databaseCpuAfter !== undefined
          ? (databaseCpuAfter - databaseCpuBefore) / credentials
          : undefined,
      idealMs,
      ratio: wallMs / idealMs,
      warnings: logger.warnings,
      medianTimeline: median ? tracker.timeline(median.id) : [],
    };
  } finally {
    await sandbox.stop();
    await db.drop();
  }
}
