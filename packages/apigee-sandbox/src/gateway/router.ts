import { Request, Response, Router } from 'express';
import { proxyEnvironment } from '../analytics/dimensions';
import { TrafficLog } from '../analytics/TrafficLog';
import { parseBasic } from '../apigee/auth';
import { ApigeeState } from '../apigee/state';
import { ApiProxy } from '../apigee/types';
import { SandboxRuntimeConfig } from '../config';
import { FaultDecision, FaultInjector, applyFault } from '../faults';
import { RuntimeFault, verifyApiKey } from './verify';

export interface GatewayRouterOptions {
  state: ApigeeState;
  faults: FaultInjector;
  config: SandboxRuntimeConfig;
  /** Where accepted proxy calls are recorded for the stats API. */
  traffic: TrafficLog;
  now?: () => Date;
}

/**
 * Stands in for Apigee proxies that use VerifyAPIKey: `ALL /gateway/{org}/{basePath}…`
 * and the sandbox-only helper `GET /runtime/verify?apikey=`. Faults use Apigee's
 * runtime body `{"fault":{"faultstring","detail":{"errorcode"}}}`. Calls a proxy accepts are
 * recorded for analytics; refused ones are not, since Apigee sets no client_id for them.
 */
export function createGatewayRouter(options: GatewayRouterOptions): Router {
  const { state, faults, config, traffic } = options;
  const now = options.now ?? (() => new Date());
  const router = Router();

  router.all(/^\/gateway\/([^/]+)(\/.*)?$/, async (req, res) => {
    const orgName = decodeURIComponent(req.params[0]);
    const proxyPath = req.params[1] ?? '/';
    const decision = await faults.onCall('gateway', 'verify', req.path);
    if (applyFault(req, res, decision, renderGatewayFault)) return;
    const proxy = state.findProxy(orgName, proxyPath);
    if (!proxy) {
      sendFault(res, 404, {
        errorcode: 'messaging.adaptors.http.flow.ApplicationNotFound',
        faultstring: `Unable to identify proxy for host: ${orgName} and url: ${proxyPath}`,
      });
      return;
    }
    const presented = readPresentedKey(req, proxy);
    if (!presented) {
      sendFault(res, 401, missingKeyFault(proxy));
      return;
    }
    const nowMs = now().getTime();
    const result = verifyApiKey(state, {
      org: orgName,
      consumerKey: presented.consumerKey,
      consumerSecret: presented.consumerSecret,
      apiProducts: proxy.apiProducts,
      propagationDelayMs: config.propagationDelayMs,
      nowMs,
    });
    if (!result.ok) {
      sendFault(res, 401, result.fault);
      return;
    }
    traffic.record({
      org: orgName,
      environment: proxyEnvironment(proxy),
      proxy: proxy.name,
      consumerKey: presented.consumerKey,
      clientIp: clientIp(req),
      app: result.view.appName,
      apiProduct: result.apiProduct,
      atMs: nowMs,
    });
    // Keeps the queue of calls still inside the analytics delay short under load.
    traffic.settle(nowMs, config.analyticsDelayMs);
    // Never echo the secret.
    res.json({
      ok: true,
      org: orgName,
      proxy: proxy.name,
      path: proxyPath,
      method: req.method,
      apiProduct: result.apiProduct,
      app: result.view.appName,
      developer: result.view.developerEmail,
    });
  });

  router.get('/runtime/verify', async (req, res) => {
    const decision = await faults.onCall('gateway', 'verify', req.path);
    if (applyFault(req, res, decision, renderGatewayFault)) return;
    const apikey = stringParam(req.query.apikey);
    if (!apikey) {
      sendFault(res, 401, {
        errorcode: 'steps.oauth.v2.FailedToResolveAPIKey',
        faultstring:
          'Failed to resolve API Key variable request.queryparam.apikey',
      });
      return;
    }
    const orgParam = stringParam(req.query.org);
    const proxyParam = stringParam(req.query.proxy);
    const productParam = stringParam(req.query.apiproduct);
    let apiProducts: string[] | undefined = productParam
      ? [productParam]
      : undefined;
    if (proxyParam) {
      const proxy = orgParam
        ? state
            .findOrganization(orgParam)
            ?.proxies.find(p => p.name === proxyParam)
        : undefined;
      if (!proxy) {
        res.status(400).json({
          error: 'proxy needs org and must name a seeded proxy of that org',
        });
        return;
      }
      apiProducts = proxy.apiProducts.filter(
        p => !productParam || p === productParam,
      );
    }
    const orgNames = orgParam
      ? [orgParam]
      : state.organizations().map(o => o.name);
    // Without org, the key is looked up in every organisation (keys are unique per org).
    const orgName =
      orgNames.find(name =>
        state.runtimeView(name, apikey, config.propagationDelayMs),
      ) ??
      orgNames[0] ??
      '';
    const result = verifyApiKey(state, {
      org: orgName,
      consumerKey: apikey,
      apiProducts,
      propagationDelayMs: config.propagationDelayMs,
      nowMs: now().getTime(),
    });
    if (!result.ok) {
      sendFault(res, 401, result.fault);
      return;
    }
    res.json({
      ok: true,
      org: orgName,
      apiProduct: result.apiProduct,
      app: result.view.appName,
      developer: result.view.developerEmail,
    });
  });

  return router;
}

function readPresentedKey(
  req: Request,
  proxy: ApiProxy,
): { consumerKey: string; consumerSecret?: string } | undefined {
  switch (proxy.apiKey.in) {
    case 'header': {
      const value = req.get(proxy.apiKey.name);
      return value ? { consumerKey: value } : undefined;
    }
    case 'query': {
      const value = stringParam(req.query[proxy.apiKey.name]);
      return value ? { consumerKey: value } : undefined;
    }
    case 'basic': {
      const credentials = parseBasic(req.headers.authorization);
      return credentials?.user
        ? {
            consumerKey: credentials.user,
            consumerSecret: credentials.password,
          }
        : undefined;
    }
    default:
      return undefined;
  }
}

function missingKeyFault(proxy: ApiProxy): RuntimeFault {
  const variables = {
    header: `request.header.${proxy.apiKey.name}`,
    query: `request.queryparam.${proxy.apiKey.name}`,
    basic: 'request.header.Authorization',
  };
  const variable = variables[proxy.apiKey.in];
  return {
    errorcode: 'steps.oauth.v2.FailedToResolveAPIKey',
    faultstring: `Failed to resolve API Key variable ${variable}`,
  };
}

/**
 * Apigee's client_ip: the first X-Forwarded-For address when a load balancer added one,
 * else the peer address (IPv4-mapped IPv6 shown as plain IPv4, as Apigee reports it).
 */
function clientIp(req: Request): string {
  const forwarded = req.get('x-forwarded-for')?.split(',')[0]?.trim();
  const ip = forwarded || req.ip || '';
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function sendFault(res: Response, status: number, fault: RuntimeFault): void {
  res.status(status).json({
    fault: {
      faultstring: fault.faultstring,
      detail: { errorcode: fault.errorcode },
    },
  });
}

function renderGatewayFault(res: Response, decision: FaultDecision): void {
  if (
    decision.error === 'too-many-requests' ||
    decision.error === 'throttling'
  ) {
    res.set('Retry-After', '1');
    sendFault(res, 429, {
      errorcode: 'policies.ratelimit.SpikeArrestViolation',
      faultstring: 'Spike arrest violation',
    });
    return;
  }
  sendFault(res, decision.status, {
    errorcode: 'messaging.adaptors.http.flow.ServiceUnavailable',
    faultstring: 'The Service is temporarily unavailable',
  });
}
