import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Config } from '@backstage/config';
import express from 'express';
import { Knex } from 'knex';
import { RotationEngine } from '../src/engine/RotationEngine';
import { CredentialBinding } from '../src/engine/types';
import { CatalogBindingStore } from '../src/database/CatalogBindingStore';
import { createRouter } from '../src/service/router';
import { createEngineCredentialsService } from '../src/service/engineCredentialsService';
import { readPluginSettings } from '../src/service/settings';
import { ACCOUNT_ID, REGION } from '../src/__testUtils__/world';
import { createBenchDatabase } from './database';
import { RemoteSandbox } from './remoteSandbox';
import {
  benchConfig,
  CountingLogger,
  createBenchEngine,
  seedBindings,
} from './world';

export interface StatusResult {
  bindings: number;
  requests: number;
  entityP50Ms: number;
  entityP95Ms: number;
  fleetP50Ms: number;
  fleetP95Ms: number;
  /** Apigee, Secrets Manager and gateway calls made while serving the reads. */
  backendCalls: number;
}

const credentials = {
  $$type: '@backstage/BackstageCredentials',
  principal: { type: 'user', userEntityRef: 'user:default/bench' },
} as unknown as BackstageCredentials;

/** Lets every request through as one user: the bench measures the reads, not auth. */
const httpAuth = {
  credentials: async () => credentials,
} as unknown as HttpAuthService;
const permissions = {
  authorize: async (requests: unknown[]) =>
    requests.map(() => ({ result: AuthorizeResult.ALLOW })),
  authorizeConditional: async (requests: unknown[]) =>
    requests.map(() => ({ result: AuthorizeResult.ALLOW })),
} as unknown as PermissionsService;
const auditor = {
  createEvent: async () => ({ success: async () => {}, fail: async () => {} }),
} as unknown as AuditorService;

export function syntheticBindings(count: number): CredentialBinding[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `status-${String(i).padStart(5, '0')}`;
    return {
      id: `component:default/${name}#prod`,
      entityRef: `component:default/${name}`,
      environment: 'prod',
      provider: 'edge',
      developer: `${name}@example.com`,
      app: `${name}-app`,
      secret: { name: `svc/${name}`, accountId: ACCOUNT_ID, region: REGION },
    };
  });
}

/**
 * A realistic store: every binding adopted, with one completed rotation and one old key
 * waiting for deletion (written as the engine writes them, in bulk for speed).
 */
async function addHistory(knex: Knex, all: CredentialBinding[]): Promise<void> {
  const now = Date.now();
  const day = 24 * 3600_000;
  await knex('bindings').update({
    adopted_at: new Date(now - 40 * day),
    born_at: new Date(now - 10 * day),
    current_key_fingerprint: 'sha256:0123456789ab',
    checked_at: new Date(now - 3600_000),
  });
  for (let i = 0; i < all.length; i += 500) {
    const slice = all.slice(i, i + 500);
    const rotations = slice.map(b => ({
      id: randomUUID(),
      binding_id: b.id,
      trigger: 'schedule',
      phase: 'completed',
      old_key_fingerprint: 'sha256:ba9876543210',
      new_key_fingerprint: 'sha256:0123456789ab',
      attempts: 1,
      started_at: new Date(now - 10 * day),
      updated_at: new Date(now - 10 * day),
      finished_at: new Date(now - 10 * day),
    }));
    await knex('rotations').insert(rotations);
    await knex('key_deletions').insert(
      rotations.map(r => ({
        id: randomUUID(),
        binding_id: r.binding_id,
        rotation_id: r.id,
        key_fingerprint: 'sha256:ba9876543210',
        due_at: new Date(now + day),
        status: 'scheduled',
        created_at: new Date(now - 10 * day),
      })),
    );
  }
}

/**
 * The plugin's router over the real stores and engine, wired as plugin.ts wires them
 * (`createEngineCredentialsService`); only authentication and permissions let everything
 * through, and audit events go nowhere.
 */
export async function createStatusApp(
  knex: Knex,
  engine: RotationEngine,
  logger: LoggerService,
  config: Config,
): Promise<express.Express> {
  const app = express();
  const bindings = new CatalogBindingStore(knex);
  const settings = readPluginSettings(config);
  const { readModel, service } = createEngineCredentialsService({
    engine,
    bindings,
    permissions,
    auditor,
    settings,
  });
  app.use(
    await createRouter({
      logger,
      httpAuth,
      permissions,
      bindings,
      readModel,
      service,
      statusSettings: settings.status,
    }),
  );
  return app;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * p50/p95 of the entity credentials endpoint and of the fleet overview with `count`
 * bindings in PostgreSQL, served by the plugin's real router and stores over HTTP, and the
 * Apigee, Secrets Manager and gateway calls those reads made (the sandbox's own count).
 */
export async function runStatusReads(options: {
  sandbox: RemoteSandbox;
  bindings: number;
  requests: number;
}): Promise<StatusResult> {
  const { sandbox, requests } = options;
  const db = await createBenchDatabase(`status${options.bindings}`);
  const logger = new CountingLogger();
  let server: import('node:http').Server | undefined;
  try {
    const config = benchConfig(sandbox.configData);
    const engine = await createBenchEngine({ config, knex: db.knex, logger });
    // Credentials that exist in the sandbox: a read that reached Apigee or AWS would succeed
    // there and be counted, not fail early on a missing app.
    if (sandbox.bindings.length < options.bindings) {
      throw new Error(
        `The status sandbox holds ${sandbox.bindings.length} credentials; ${options.bindings} needed`,
      );
    }
    const all = sandbox.bindings.slice(0, options.bindings);
    await seedBindings(db.knex, engine, all);
    await addHistory(db.knex, all);
    await db.knex.raw('analyze');

    const app = await createStatusApp(db.knex, engine, logger, config);
    server = await new Promise(done => {
      const s = app.listen(0, '127.0.0.1', () => done(s));
    });
    const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    const pick = () => all[Math.floor(Math.random() * all.length)];
    const timed = async (path: string) => {
      const started = performance.now();
      const response = await fetch(`${base}${path}`);
      const body = (await response.json()) as { items?: unknown[] };
      const ms = performance.now() - started;
      if (response.status !== 200 || !body.items?.length) {
        throw new Error(`GET ${path} answered ${response.status}`);
      }
      return ms;
    };
    const entityPath = () =>
      `/v1/entities/default/component/${
        pick().entityRef.split('/')[1]
      }/credentials`;
    // The fleet overview's first page of 50, after a random binding (cursor = last id seen).
    const fleetPath = () =>
      `/v1/credentials?cursor=${encodeURIComponent(
        all[Math.floor(Math.random() * Math.max(1, all.length - 60))].id,
      )}`;

    await sandbox.resetCounters();
    // Warm-up: JIT, connection pool and PostgreSQL caches, so sizes compare like for like.
    for (let i = 0; i < 50; i++) {
      await timed(entityPath());
      await timed(fleetPath());
    }
    const entity: number[] = [];
    const fleet: number[] = [];
    for (let i = 0; i < requests; i++) {
      entity.push(await timed(entityPath()));
      fleet.push(await timed(fleetPath()));
    }
    return {
      bindings: options.bindings,
      requests,
      entityP50Ms: percentile(entity, 0.5),
      entityP95Ms: percentile(entity, 0.95),
      fleetP50Ms: percentile(fleet, 0.5),
      fleetP95Ms: percentile(fleet, 0.95),
      backendCalls: await sandbox.callCount(),
    };
  } finally {
    await new Promise(done => (server ? server.close(done) : done(undefined)));
    await db.drop();
  }
}
