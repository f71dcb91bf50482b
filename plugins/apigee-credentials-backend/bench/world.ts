import { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader, JsonObject } from '@backstage/config';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { Knex } from 'knex';
import { createRotationEngine } from '../src/engine/createRotationEngine';
import { RotationEngine } from '../src/engine/RotationEngine';
import { CredentialBinding } from '../src/engine/types';
import { CatalogBindingStore } from '../src/database/CatalogBindingStore';
import { CatalogBindingSync } from '../src/service/bindings/CatalogBindingSync';
import { CredentialAlerts } from '../src/service/CredentialAlerts';
import { ScheduledRotationPass } from '../src/service/ScheduledRotationPass';
import { databaseService } from '../src/__testUtils__/databases';
import { TestWorld } from '../src/__testUtils__/world';

/** A sandbox seeded with `count` Edge credentials, named so that ids sort like numbers. */
export async function startBenchWorld(count: number): Promise<TestWorld> {
  const world = new TestWorld(
    Array.from({ length: count }, (_, i) => ({
      name: `bench-${String(i).padStart(5, '0')}`,
      flavor: 'edge' as const,
    })),
  );
  return world.start({ propagationDelayMs: 0, trackKeyMaterial: false });
}

/** Drops log lines (thousands of rotations would otherwise flood the table); keeps warnings count. */
export class CountingLogger implements LoggerService {
  warnings = 0;
  errors = 0;
  error(): void {
    this.errors++;
  }
  warn(): void {
    this.warnings++;
  }
  info(): void {}
  debug(): void {}
  child(): LoggerService {
    return this;
  }
}

/**
 * Config of the benchmarks over the sandbox's config: every seeded key (30 days old) is due
 * at once; `patch` edits the data (e.g. rate limits).
 */
export function benchConfig(
  sandboxConfig: JsonObject,
  patch?: (data: any) => void,
): ConfigReader {
  const data = structuredClone(sandboxConfig) as any;
  Object.assign(data.apigeeCredentials.rotation, {
    maxAge: { days: 1 },
    gracePeriod: { hours: 1 },
    leaseDuration: { seconds: 60 },
    testTimeout: { seconds: 30 },
    retry: {
      maxDuration: { seconds: 30 },
      initialDelay: { milliseconds: 50 },
      maxDelay: { seconds: 2 },
    },
  });
  patch?.(data);
  return new ConfigReader(data);
}

export async function createBenchEngine(options: {
  config: ConfigReader;
  knex: Knex;
  logger: LoggerService;
}): Promise<RotationEngine> {
  return createRotationEngine({
    config: options.config,
    database: databaseService(options.knex),
    logger: options.logger,
    instanceId: 'bench',
  });
}

const quietNotifications: NotificationService = {
  send: async () => {},
};

/**
 * The plugin's scheduled pass over engine, binding store and alerts as plugin.ts wires them;
 * the catalog sync is a no-op because the bindings were written straight into the stores.
 */
export function createPass(options: {
  knex: Knex;
  engine: RotationEngine;
  logger: LoggerService;
  concurrency: number;
}): ScheduledRotationPass {
  const { knex, engine, logger, concurrency } = options;
  const bindings = new CatalogBindingStore(knex);
  const alerts = new CredentialAlerts({
    notifications: quietNotifications,
    bindings,
    logger,
    statusSettings: { maxAgeMs: 24 * 3600_000, dueSoonMs: 3600_000 },
    notifyOnSuccess: false,
  });
  const sync = { run: async () => {} } as unknown as CatalogBindingSync;
  return new ScheduledRotationPass({
    engine,
    sync,
    bindings,
    alerts,
    logger,
    concurrency,
  });
}

/** Writes bindings to the engine and to `catalog_bindings`, as a catalog sync would. */
export async function seedBindings(
  knex: Knex,
  engine: RotationEngine,
  all: CredentialBinding[],
): Promise<void> {
  for (let i = 0; i < all.length; i += 1000) {
    await engine.syncBindings(all.slice(i, i + 1000));
  }
  await new CatalogBindingStore(knex).replaceAll(
    all.map(b => ({
      id: b.id,
      entityRef: b.entityRef,
      environment: b.environment,
      ownerRef: 'group:default/bench-team',
      syncedAt: new Date(),
    })),
  );
}
