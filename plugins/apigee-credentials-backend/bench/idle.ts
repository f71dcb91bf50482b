import { AuthService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { formatBindingAnnotation } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { Knex } from 'knex';
import { createRotationEngine } from '../src/engine/createRotationEngine';
import { CredentialBinding } from '../src/engine/types';
import { CatalogBindingStore } from '../src/database/CatalogBindingStore';
import { CatalogBindingSync } from '../src/service/bindings/CatalogBindingSync';
import { CredentialAlerts } from '../src/service/CredentialAlerts';
import { ScheduledRotationPass } from '../src/service/ScheduledRotationPass';
import { databaseService } from '../src/__testUtils__/databases';
import { createBenchDatabase } from './database';
import { syntheticBindings } from './status';
import {
  benchConfig,
  CountingLogger,
  seedBindings,
  startBenchWorld,
} from './world';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface IdleDayResult {
  bindings: number;
  passes: number;
  /** Apigee and Secrets Manager calls of a simulated day, after adoption. */
  calls: number;
  callsByOperation: Record<string, number>;
  callsPerBindingPerDay: number;
  getSecretValuePerDay: number;
}

/**
 * One simulated day of scheduled passes (every 5 minutes) over a healthy fleet at the
 * default check interval, after the first pass has adopted it: the real engine, pass and
 * stores on PostgreSQL, the in-process sandbox counting every call. The engine's clock moves
 * 5 minutes before each pass; nothing is due for rotation (90-day maximum age).
 */
export async function runIdleDay(options: {
  bindings: number;
}): Promise<IdleDayResult> {
  const world = await startBenchWorld(options.bindings);
  const db = await createBenchDatabase('idle');
  try {
    let nowMs = Date.now();
    const clock = {
      now: () => new Date(nowMs),
      sleep: (ms: number) => new Promise<void>(done => setTimeout(done, ms)),
    };
    const logger = new CountingLogger();
    const engine = await createRotationEngine({
      config: benchConfig(world.configData(), data => {
        data.apigeeCredentials.rotation.maxAge = { days: 90 };
        delete data.apigeeCredentials.checkInterval; // the default
      }),
      database: databaseService(db.knex),
      logger,
      instanceId: 'bench-idle',
      clock,
    });
    const all = [...world.scenarios.values()].map(s => s.binding);
    await seedBindings(db.knex, engine, all);
    const pass = quietPass(db.knex, engine, logger, undefined, () =>
      clock.now(),
    );
    await pass.run(); // adoption of the whole fleet: onboarding, not steady state
    world.sandbox.faults.resetCounters();

    let passes = 0;
    for (let t = 0; t < DAY; t += 5 * MINUTE) {
      nowMs += 5 * MINUTE;
      await pass.run();
      passes++;
    }
    const callsByOperation = Object.fromEntries(
      Object.entries(world.sandbox.faults.counters().calls).filter(
        ([, n]) => n > 0,
      ),
    );
    const calls = Object.values(callsByOperation).reduce((a, b) => a + b, 0);
    return {
      bindings: options.bindings,
      passes,
      calls,
      callsByOperation,
      callsPerBindingPerDay: calls / options.bindings,
      getSecretValuePerDay:
        callsByOperation['secretsmanager.GetSecretValue'] ?? 0,
    };
  } finally {
    await db.drop();
    await world.stop();
  }
}

export interface IdlePassResult {
  bindings: number;
  passes: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * Wall time of one idle scheduled pass over a large fleet, database work only: the catalog
 * sync of every binding (from an in-memory catalog), resume, the selection of due bindings
 * (none: every binding was checked a minute ago) and due deletions.
 */
export async function runIdlePass(options: {
  bindings: number;
  passes: number;
  configData: any;
}): Promise<IdlePassResult> {
  const db = await createBenchDatabase('idlepass');
  try {
    const logger = new CountingLogger();
    const engine = await createRotationEngine({
      config: benchConfig(options.configData),
      database: databaseService(db.knex),
      logger,
      instanceId: 'bench-idle-pass',
    });
    const all = syntheticBindings(options.bindings).map(b => ({
      ...b,
      ownerRef: 'group:default/bench-team',
    }));
    // The first sync stores the bindings as the catalog has them; then they are made healthy
    // and recently checked, as in a steady state.
    const sync = catalogSync(db.knex, engine, logger, catalogOf(all));
    await sync.run();
    const now = Date.now();
    await db.knex('bindings').update({
      adopted_at: new Date(now - 40 * DAY),
      born_at: new Date(now - 10 * DAY),
      current_key_fingerprint: 'sha256:0123456789ab',
      ownership: 'verified',
      checked_at: new Date(now - MINUTE),
      next_check_at: new Date(now + 3 * 60 * MINUTE),
      rotation_due_at: new Date(now + 80 * DAY),
    });
    const pass = quietPass(db.knex, engine, logger, sync);
    const times: number[] = [];
    for (let i = 0; i < options.passes; i++) {
      const started = performance.now();
      const summary = await pass.run();
      times.push(performance.now() - started);
      if (summary.checked !== 0) {
        throw new Error(`An idle pass checked ${summary.checked} bindings`);
      }
    }
    times.sort((a, b) => a - b);
    const at = (q: number) =>
      times[Math.min(times.length - 1, Math.floor(q * times.length))];
    return {
      bindings: options.bindings,
      passes: options.passes,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
    };
  } finally {
    await db.drop();
  }
}

type Engine = Awaited<ReturnType<typeof createRotationEngine>>;

/** The catalog sync as plugin.ts wires it. */
function catalogSync(
  knex: Knex,
  engine: Engine,
  logger: CountingLogger,
  catalog: CatalogService,
): CatalogBindingSync {
  return new CatalogBindingSync({
    catalog,
    auth: {
      getOwnServiceCredentials: async () => ({}),
    } as unknown as AuthService,
    logger,
    store: new CatalogBindingStore(knex),
    upsertBindings: valid => engine.syncBindings(valid),
    validateTarget: binding => engine.checkTarget(binding),
    listClaims: () => engine.listTargetClaims(),
    probeHosts: new Map(),
  });
}

/** The scheduled pass as plugin.ts wires it; without a sync, the bindings were seeded. */
function quietPass(
  knex: Knex,
  engine: Engine,
  logger: CountingLogger,
  sync?: CatalogBindingSync,
  now?: () => Date,
): ScheduledRotationPass {
  const bindings = new CatalogBindingStore(knex);
  const alerts = new CredentialAlerts({
    notifications: { send: async () => {} },
    bindings,
    logger,
    statusSettings: { maxAgeMs: 90 * DAY, dueSoonMs: 14 * DAY },
    notifyOnSuccess: false,
  });
  return new ScheduledRotationPass({
    engine,
    sync: sync ?? ({ run: async () => {} } as unknown as CatalogBindingSync),
    bindings,
    alerts,
    logger,
    concurrency: 8,
    now,
  });
}

/** An in-memory catalog holding one component per binding, paged as the catalog pages. */
function catalogOf(all: CredentialBinding[]): CatalogService {
  const entities: Entity[] = all.map(b => {
    const secret = b.secret as {
      name: string;
      accountId: string;
      region: string;
    };
    const annotation = formatBindingAnnotation(b.environment, {
      provider: b.provider,
      developer: b.developer,
      app: b.app,
      secret,
    });
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: b.entityRef.split('/')[1],
        namespace: 'default',
        annotations: { [annotation.key]: annotation.value },
      },
      spec: { type: 'service', owner: 'bench-team' },
    };
  });
  return {
    queryEntities: async (request: any) => {
      const limit = request.limit ?? 500;
      const offset = request.cursor ? Number(request.cursor) : 0;
      const items = entities.slice(offset, offset + limit);
      return {
        items,
        totalItems: entities.length,
        pageInfo: {
          nextCursor:
            offset + limit < entities.length
              ? String(offset + limit)
              : undefined,
        },
      };
    },
  } as unknown as CatalogService;
}
