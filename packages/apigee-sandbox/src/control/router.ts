import express, { Request, Response, Router } from 'express';
import { TrafficLog } from '../analytics/TrafficLog';
import { ApigeeState } from '../apigee/state';
import { AppKey } from '../apigee/types';
import { SandboxRuntimeConfig, validateRuntimeConfigUpdate } from '../config';
import { FaultInjector, FaultRule } from '../faults';
import type { SecretsManagerStoreJson } from '../secretsmanager';
import { fingerprint } from './fingerprint';
import { summarizeTraffic } from './trafficSummary';

export interface ControlRouterOptions {
  faults: FaultInjector;
  /** The current Apigee state (replaced objects are picked up on each call). */
  apigee: () => ApigeeState;
  config: SandboxRuntimeConfig;
  /** The current Secrets Manager state, for the masked view. */
  secrets?: () => { toJSON(): SecretsManagerStoreJson };
  /** Restores the seed state. */
  reset: () => Promise<void> | void;
  startedAt: Date;
  /** The gateway's recorded calls (listed with keys only as fingerprints). */
  traffic: TrafficLog;
  now?: () => Date;
}

/**
 * The sandbox's own control API under `/_sandbox` (not part of any real API): health,
 * fault rules, call counters, masked state views, recorded traffic, run-time config and
 * reset. It never returns secret values: secrets, and keys in the traffic view, appear only
 * as short fingerprints.
 */
export function createControlRouter(options: ControlRouterOptions): Router {
  const { faults, config, traffic } = options;
  const now = options.now ?? (() => new Date());
  const router = Router();
  router.use(express.json({ limit: '100kb' }));

  router.get('/health', (_req, res) => {
    res.json({
      status: 'ok',
      startedAt: options.startedAt.toISOString(),
      services: ['apigee', 'secretsmanager', 'gateway'],
    });
  });

  router.get('/faults', (_req, res) => {
    res.json({ rules: faults.listRules() });
  });
  router.post('/faults', (req, res) => {
    try {
      faults.addRule(req.body as FaultRule);
      res.status(201).json({ rules: faults.listRules() });
    } catch (error) {
      badRequest(res, (error as Error).message);
    }
  });
  router.delete('/faults', (_req, res) => {
    faults.clearRules();
    res.status(204).end();
  });
  router.delete('/faults/:id', (req, res) => {
    if (faults.removeRule(req.params.id)) {
      res.status(204).end();
    } else {
      res.status(404).json({ error: `No fault rule with id ${req.params.id}` });
    }
  });

  router.get('/counters', (_req, res) => {
    res.json(faults.counters());
  });
  router.delete('/counters', (_req, res) => {
    faults.resetCounters();
    res.status(204).end();
  });

  router.get('/config', (_req, res) => {
    res.json(config);
  });
  router.put('/config', (req, res) => {
    try {
      Object.assign(config, validateRuntimeConfigUpdate(req.body));
      res.json(config);
    } catch (error) {
      badRequest(res, (error as Error).message);
    }
  });

  // Gateway traffic per key, as fingerprints: keys are credentials even without their secret.
  router.get('/traffic', (req, res) => {
    const org = typeof req.query.org === 'string' ? req.query.org : undefined;
    if (org !== undefined && !options.apigee().findOrganization(org)) {
      res.status(404).json({ error: `No organization ${org}` });
      return;
    }
    traffic.settle(now().getTime(), config.analyticsDelayMs);
    res.json(summarizeTraffic(traffic.buckets(org)));
  });
  router.delete('/traffic', (_req, res) => {
    traffic.clear();
    res.status(204).end();
  });

  router.post('/reset', async (_req, res) => {
    await options.reset();
    res.status(204).end();
  });

  router.get('/state/apigee/:org/apps/:app', (req: Request, res: Response) => {
    const org = options.apigee().findOrganization(req.params.org);
    if (!org) {
      res.status(404).json({ error: `No organization ${req.params.org}` });
      return;
    }
    const developerFilter =
      typeof req.query.developer === 'string'
        ? req.query.developer.toLowerCase()
        : undefined;
    const matches = org.developers.flatMap(developer =>
      developer.apps
        .filter(app => app.name === req.params.app)
        .filter(
          () =>
            !developerFilter ||
            developer.email.toLowerCase() === developerFilter,
        )
        .map(app => ({ developer, app })),
    );
    if (matches.length === 0) {
      res.status(404).json({
        error: `No app ${req.params.app} in organization ${org.name}`,
      });
      return;
    }
    if (matches.length > 1) {
      res.status(409).json({
        error: `Several developers have an app ${req.params.app}; add ?developer=<email>`,
        developers: matches.map(m => m.developer.email),
      });
      return;
    }
    const { developer, app } = matches[0];
    res.json({
      org: org.name,
      dialect: org.dialect,
      developer: developer.email,
      developerStatus: developer.status,
      app: app.name,
      appStatus: app.status,
      keys: app.credentials.map(maskedKey),
    });
  });

  // A secret's versions and labels; string fields of a JSON value only as fingerprints.
  router.get('/state/secretsmanager', (req: Request, res: Response) => {
    const { account, region, name } = req.query;
    const secret = options
      .secrets?.()
      .toJSON()
      .secrets.find(
        s =>
          s.name === name &&
          (account === undefined || s.accountId === account) &&
          (region === undefined || s.region === region),
      );
    if (!secret) {
      res.status(404).json({ error: `No secret ${String(name)}` });
      return;
    }
    res.json({
      arn: secret.arn,
      name: secret.name,
      accountId: secret.accountId,
      region: secret.region,
      versions: secret.versions.map(version => ({
        versionId: version.versionId,
        stages: version.stages,
        fields: maskedFields(version.secretString),
      })),
    });
  });

  router.use((req, res) => {
    res
      .status(404)
      .json({ error: `No control endpoint ${req.method} ${req.path}` });
  });
  router.use(
    (error: unknown, _req: Request, res: Response, _next: () => void) => {
      badRequest(
        res,
        (error as { type?: string })?.type === 'entity.parse.failed'
          ? 'The request body is not valid JSON'
          : 'The control request failed',
      );
    },
  );
  return router;
}

/** A key with its secret replaced by a fingerprint (first 12 hex chars of its SHA-256). */
function maskedKey(key: AppKey) {
  return {
    consumerKey: key.consumerKey,
    consumerSecretFingerprint: fingerprint(key.consumerSecret),
    status: key.status,
    issuedAt: key.issuedAt,
    expiresAt: key.expiresAt,
    apiProducts: key.apiProducts.map(p => ({ ...p })),
  };
}

function badRequest(res: Response, message: string): void {
  res.status(400).json({ error: message });
}

/**
 * The string fields of a JSON secret value as `sha256:` + 12 hex digits of their SHA-256
 * (the plugin's fingerprint format); null when the value is not a JSON object.
 */
function maskedFields(
  secretString: string | undefined,
): Record<string, string> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return null;
  return Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>)
      .filter(([, value]) => typeof value === 'string' && value)
      .map(([field, value]) => [
        field,
        `sha256:${fingerprint(value as string)}`,
      ]),
  );
}
