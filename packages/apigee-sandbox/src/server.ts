import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import express, { NextFunction, Request, Response } from 'express';
import { TrafficLog } from './analytics/TrafficLog';
import { createApigeeRouter } from './apigee/router';
import { ApigeeState } from './apigee/state';
import {
  DEFAULT_RUNTIME_CONFIG,
  SandboxRuntimeConfig,
  validateRuntimeConfigUpdate,
} from './config';
import { createControlRouter } from './control/router';
import { FaultInjector, FaultRule } from './faults';
import { createGatewayRouter } from './gateway/router';
import { StatePersister, readPersistedState } from './persistence';
import {
  SecretsManagerStore,
  createSecretsManagerRouter,
} from './secretsmanager';
import { buildApigeeData, resolveSeed } from './seed/load';
import { SandboxSeed, ValidatedSeed } from './seed/schema';

/** Minimal logger; a Backstage LoggerService or `console` fits. Secret values are never logged. */
export interface SandboxLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface StartSandboxOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; 127.0.0.1 unless set. */
  host?: string;
  /** Seed object or path to a YAML/JSON seed file; the package's default seed when omitted. */
  seed?: SandboxSeed | string;
  /** When set, state is loaded from this file if it exists and saved to it after changes. */
  persistPath?: string;
  /** Fault rules active from the start (and restored by reset). */
  faults?: FaultRule[];
  /** Apigee key-cache delay at the gateway (180 s on real Apigee); 0 unless set. */
  propagationDelayMs?: number;
  /** Edge /oauth/token access-token lifetime; 1799 s unless set. */
  tokenLifetimeSeconds?: number;
  /** Google /token access-token lifetime for X; 3600 s unless set. */
  googleTokenLifetimeSeconds?: number;
  /** How long a gateway call stays out of the stats API (about 12 min on Edge); 0 unless set. */
  analyticsDelayMs?: number;
  /** Clock shared by every emulation; tests replace it to move time. */
  now?: () => Date;
  logger?: SandboxLogger;
}

export interface RunningSandbox {
  /** Base URL, e.g. `http://127.0.0.1:7010`; every API is served under it. */
  url: string;
  port: number;
  faults: FaultInjector;
  /** Apigee state (the same object across resets). */
  apigee: ApigeeState;
  /** Secrets Manager state (a new object after a reset). */
  readonly secrets: SecretsManagerStore;
  /** Run-time settings; changes apply immediately. */
  config: SandboxRuntimeConfig;
  /**
   * Calls the gateway accepted, served by the stats API (the same object across resets).
   * Tests may `record()` calls at any time, e.g. to stand for traffic of days ago.
   */
  traffic: TrafficLog;
  /** Goes back to the seed: state, fault rules, counters, config and traffic as at start. */
  reset(): Promise<void>;
  /** Stops listening, closes connections and saves state (if persisting). */
  stop(): Promise<void>;
}

const silentLogger: SandboxLogger = { info() {}, warn() {}, error() {} };

/**
 * Starts Apigee (Edge + X), AWS Secrets Manager, the gateway and the control API on one
 * HTTP port.
 */
export async function startSandbox(
  options: StartSandboxOptions = {},
): Promise<RunningSandbox> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const seed = resolveSeed(options.seed);
  const initialConfig: SandboxRuntimeConfig = {
    ...DEFAULT_RUNTIME_CONFIG,
    ...validateRuntimeConfigUpdate(
      definedOnly({
        propagationDelayMs: options.propagationDelayMs,
        tokenLifetimeSeconds: options.tokenLifetimeSeconds,
        googleTokenLifetimeSeconds: options.googleTokenLifetimeSeconds,
        analyticsDelayMs: options.analyticsDelayMs,
      }),
    ),
  };
  const config = { ...initialConfig };
  // Rules from the seed first, then the caller's.
  const initialRules = [
    ...(seed.faults as FaultRule[]),
    ...(options.faults ?? []),
  ];
  const faults = new FaultInjector({ rules: initialRules });
  // Not persisted: analytics starts empty on every start, like a fresh environment.
  const traffic = new TrafficLog();
  const accounts = seed.aws.accounts.map(a => ({
    accountId: a.accountId,
    accessKeyId: a.accessKeyId,
  }));

  const persisted = options.persistPath
    ? readPersistedState(options.persistPath)
    : undefined;
  const apigee = persisted
    ? ApigeeState.fromJSON(persisted.apigee, { now })
    : new ApigeeState(buildApigeeData(seed, now().getTime()), { now });
  let secrets = persisted
    ? SecretsManagerStore.fromJSON(persisted.secretsManager, { accounts, now })
    : seededSecretsStore(seed, accounts, now);
  let secretsRouter = createSecretsManagerRouter({ store: secrets, faults });
  if (persisted && options.persistPath) {
    logger.info(`Loaded sandbox state from ${options.persistPath}`);
  }

  const persister = options.persistPath
    ? new StatePersister({
        path: options.persistPath,
        snapshot: () => ({
          apigee: apigee.toJSON(),
          secretsManager: secrets.toJSON(),
        }),
        onError: error =>
          logger.error(`Saving sandbox state failed: ${error.message}`),
      })
    : undefined;
  apigee.onChange(() => persister?.schedule());

  const reset = async () => {
    apigee.replaceData(buildApigeeData(seed, now().getTime()));
    secrets = seededSecretsStore(seed, accounts, now);
    secretsRouter = createSecretsManagerRouter({ store: secrets, faults });
    faults.clearRules();
    for (const rule of initialRules) faults.addRule(rule);
    faults.resetCounters();
    traffic.clear();
    Object.assign(config, initialConfig);
    persister?.schedule();
  };

  const app = express();
  app.disable('x-powered-by');
  // Secrets Manager owns `POST /` with `X-Amz-Target: secretsmanager.*` and passes on the rest.
  app.use((req, res, next) => {
    if (req.headers['x-amz-target'])
      res.on('finish', () => persister?.schedule());
    secretsRouter(req, res, next);
  });
  app.use(
    '/_sandbox',
    createControlRouter({
      faults,
      apigee: () => apigee,
      secrets: () => secrets,
      config,
      reset,
      startedAt: now(),
      traffic,
      now,
    }),
  );
  app.use(createApigeeRouter({ state: apigee, faults, config, traffic, now }));
  app.use(createGatewayRouter({ state: apigee, faults, config, traffic, now }));
  app.use((req: Request, res: Response) => {
    res.status(404).json({
      error: `The sandbox has no route for ${req.method} ${req.path}`,
    });
  });
  app.use(
    (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      logger.error(`Unhandled sandbox error: ${(error as Error)?.message}`);
      if (!res.headersSent)
        res.status(500).json({ error: 'Internal sandbox error' });
    },
  );

  const server = createServer(app);
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    faults,
    apigee,
    get secrets() {
      return secrets;
    },
    config,
    traffic,
    reset,
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>(resolve =>
          server.close(() => resolve()),
        );
        server.closeAllConnections();
        await closed;
        await persister?.flush();
      })();
      return stopping;
    },
  };
}

function seededSecretsStore(
  seed: ValidatedSeed,
  accounts: { accountId: string; accessKeyId: string }[],
  now: () => Date,
): SecretsManagerStore {
  const store = new SecretsManagerStore({ accounts, now });
  for (const secret of seed.aws.secrets) {
    store.seedSecret({
      accountId: secret.account,
      region: secret.region,
      name: secret.name,
      secretString:
        typeof secret.value === 'string'
          ? secret.value
          : JSON.stringify(secret.value),
      description: secret.description,
      tags: secret.tags
        ? Object.entries(secret.tags).map(([Key, Value]) => ({ Key, Value }))
        : undefined,
    });
  }
  return store;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
