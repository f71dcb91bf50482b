import { createBenchDatabase } from './database';
import { startRemoteSandbox } from './remoteSandbox';
import {
  benchConfig,
  CountingLogger,
  createBenchEngine,
  createPass,
  seedBindings,
} from './world';

export interface RateLimitResult {
  credentials: number;
  concurrency: number;
  limitPerSecond: number;
  rotated: number;
  wallMs: number;
  secretsManagerCalls: number;
  /** Highest number of Secrets Manager calls the sandbox saw in one wall-clock second. */
  peakPerSecond: number;
  /** Secrets Manager calls divided by the pass's duration. */
  meanPerSecond: number;
  /** Calls above the limit in their second: what AWS would have throttled. */
  throttledCalls: number;
}

/**
 * One scheduled pass with `apigeeCredentials.aws.maxRequestsPerSecond` set below what the
 * concurrency would reach, read back from the sandbox's per-second counters.
 */
export async function runRateLimit(options: {
  credentials: number;
  concurrency: number;
  limitPerSecond: number;
  latencyMs: number;
}): Promise<RateLimitResult> {
  const { credentials, concurrency, limitPerSecond, latencyMs } = options;
  const sandbox = await startRemoteSandbox(credentials);
  const db = await createBenchDatabase('ratelimit');
  try {
    const logger = new CountingLogger();
    const engine = await createBenchEngine({
      config: benchConfig(sandbox.configData, data => {
        data.apigeeCredentials.aws.maxRequestsPerSecond = limitPerSecond;
        // The engine's own limit on running rotations, shared with the pass.
        data.apigeeCredentials.concurrency = concurrency;
      }),
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

    const buckets = Object.values(
      (await sandbox.counters()).perSecond.secretsmanager ?? {},
    );
    const secretsManagerCalls = buckets.reduce((a, b) => a + b, 0);
    return {
      credentials,
      concurrency,
      limitPerSecond,
      rotated: summary.rotated,
      wallMs,
      secretsManagerCalls,
      peakPerSecond: Math.max(0, ...buckets),
      meanPerSecond: secretsManagerCalls / (wallMs / 1000),
      throttledCalls: buckets.reduce(
        (total, n) => total + Math.max(0, n - limitPerSecond),
        0,
      ),
    };
  } finally {
    await sandbox.stop();
    await db.drop();
  }
}
