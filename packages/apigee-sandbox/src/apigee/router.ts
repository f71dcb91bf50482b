import express, { Request, Response, Router } from 'express';
import { TrafficLog } from '../analytics/TrafficLog';
import { SandboxRuntimeConfig } from '../config';
import { FaultDecision, FaultInjector, applyFault } from '../faults';
import { ApigeeAuth, OAuthError } from './auth';
import { createEdgeRouter } from './edgeRouter';
import { apigeeErrors } from './errors';
import { renderApigeeError, renderApigeeFault } from './render';
import { ApigeeState } from './state';
import { createXRouter } from './xRouter';

export interface ApigeeRouterOptions {
  state: ApigeeState;
  faults: FaultInjector;
  config: SandboxRuntimeConfig;
  /** What the gateway recorded, served by the stats API. */
  traffic: TrafficLog;
  now?: () => Date;
}

/**
 * Everything Apigee-management: the Edge SSO token endpoint (`/oauth/token`), the Google
 * token endpoint (`/token`), and `/v1/organizations/{org}` + `/v1/o/{org}` (management and
 * analytics), dispatched to the dialect the organisation was seeded with.
 */
export function createApigeeRouter(options: ApigeeRouterOptions): Router {
  const now = options.now ?? (() => new Date());
  const auth = new ApigeeAuth({
    state: options.state,
    config: options.config,
    now,
  });
  const analytics = {
    traffic: options.traffic,
    delayMs: () => options.config.analyticsDelayMs,
    now,
  };
  const shared = {
    state: options.state,
    faults: options.faults,
    now,
    auth,
    analytics,
  };
  const edge = createEdgeRouter(shared);
  const x = createXRouter(shared);
  const router = Router();
  const form = express.urlencoded({ extended: false });

  const tokenEndpoint =
    (dialect: 'edge' | 'x', grant: (req: Request) => Promise<unknown>) =>
    async (req: Request, res: Response) => {
      try {
        const decision = await options.faults.onCall(
          'apigee',
          'token',
          req.path,
        );
        const render = (r: Response, d: FaultDecision) =>
          renderApigeeFault(dialect, r, d);
        if (applyFault(req, res, decision, render)) return;
        res.set('Cache-Control', 'no-store').json(await grant(req));
      } catch (error) {
        if (error instanceof OAuthError) {
          res
            .status(error.status)
            .json({ error: error.error, error_description: error.message });
        } else {
          res.status(500).json({ error: 'server_error' });
        }
      }
    };

  // Edge SSO password / refresh_token grants.
  router.post(
    '/oauth/token',
    form,
    tokenEndpoint('edge', req =>
      auth.edgeTokenGrant(req.headers.authorization, formFields(req.body)),
    ),
  );
  // Google OAuth2 JWT-bearer grant for service accounts.
  router.post(
    '/token',
    form,
    tokenEndpoint('x', req =>
      auth.googleTokenGrant(
        formFields(req.body),
        `${req.protocol}://${req.get('host')}/token`,
      ),
    ),
  );

  router.use(['/v1/organizations/:org', '/v1/o/:org'], (req, res, next) => {
    const org = options.state.findOrganization(req.params.org);
    const viaShortAlias = req.baseUrl.startsWith('/v1/o/');
    // `/v1/o/` is an Edge alias only; X knows only `/v1/organizations/`.
    if (!org || (viaShortAlias && org.dialect !== 'edge')) {
      renderApigeeError(
        org?.dialect ?? 'edge',
        res,
        apigeeErrors.organizationNotFound(req.params.org),
      );
      return;
    }
    res.locals.org = org;
    (org.dialect === 'edge' ? edge : x)(req, res, next);
  });
  return router;
}

function formFields(body: unknown): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = {};
  if (body && typeof body === 'object') {
    for (const [name, value] of Object.entries(body)) {
      if (typeof value === 'string') fields[name] = value;
    }
  }
  return fields;
}
