import { createBenchDatabase } from './database';
import { startRemoteSandbox } from './remoteSandbox';
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
   * Sequential round trips per credential: the calls minus the developer reads, which the
   * Apigee provider sends in parallel with the app read (ApigeeKeyProvider.getApp).
   */
  roundTripsPerRotation: number;
  callsByOperation: Record<string, number>;
  idealMs: number;
  ratio: number;
  warnings: number;
}

/**
 * One scheduled pass (adoption check + rotation of each credential, the plugin's Bottleneck
 * concurrency) over `credentials` due credentials while the sandbox adds `latencyMs` to every
 * call. The ideal is credentials·k·L/C, k counted from the sandbox counters.
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
      config: benchConfig(sandbox.configData),
      knex: db.knex,
      logger,
    });
    const pass = createPass({ knex: db.knex, engine, logger, concurrency });
    await seedBindings(db.knex, engine, sandbox.bindings);

    await sandbox.resetCounters();
    await sandbox.addFault({ id: 'bench-latency', latencyMs });
    const started = performance.now();
    const summary = await pass.run();
    const wallMs = performance.now() - started;
    await sandbox.clearFaults();
    await engine.drain();

    const { calls } = await sandbox.counters();
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    const parallel = calls['apigee.developers.get'] ?? 0;
    const k = (total - parallel) / credentials;
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
      idealMs,
      ratio: wallMs / idealMs,
      warnings: logger.warnings,
    };
  } finally {
    await sandbox.stop();
    await db.drop();
  }
}
