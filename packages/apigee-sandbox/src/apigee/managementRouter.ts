import express, { Request, RequestHandler, Response, Router } from 'express';
import { StatsSource, answerStats } from '../analytics/stats';
import { FaultDecision, FaultInjector, applyFault } from '../faults';
import { ApigeeError, apigeeErrors } from './errors';
import { renderApigeeError, renderApigeeFault } from './render';
import { ApigeeState } from './state';
import { ApigeeDialect, Organization } from './types';
import {
  parseAction,
  parseAttributes,
  parseProductNames,
  parseScopes,
} from './validation';
import {
  apiProductView,
  appListView,
  appView,
  developerListView,
  developerView,
  keyView,
} from './views';

/** What differs between the Edge and X management APIs; the routes themselves are shared. */
export interface DialectBehaviour {
  dialect: ApigeeDialect;
  authenticate(req: Request, org: Organization): Promise<void> | void;
  /** `expiresAt` (ms epoch, -1 = never) for an imported key, from the keys/create body. */
  importedKeyExpiry(body: Record<string, unknown>, nowMs: number): number;
  /** HTTP status of keys/create: Edge 201, X 200. */
  keyCreatedStatus: number;
  /** HTTP status of app and developer creation. */
  createdStatus: number;
  /** Whether `POST …/keys` (without `/create`) exists (X only). */
  acceptsPostKeys: boolean;
  /** Key-product approve/revoke reply: Edge 204, X 200 `{}`. */
  replyToKeyProductAction(res: Response): void;
  /** What `PUT …/keys/{key}` may change: Edge products and attributes, X scopes only. */
  putKeyFields: ReadonlyArray<'apiProducts' | 'attributes' | 'scopes'>;
}

export interface ManagementRouterOptions {
  state: ApigeeState;
  faults: FaultInjector;
  now: () => Date;
  /** The gateway's traffic, for the stats API. */
  analytics: StatsSource;
}

interface OperationContext {
  req: Request;
  res: Response;
  org: Organization;
  body: Record<string, unknown>;
}

type OperationHandler = (ctx: OperationContext) => Promise<void> | void;

/**
 * The developer / app / key routes of one dialect, mounted under `/v1/organizations/{org}`
 * (and `/v1/o/{org}` for Edge) with the organisation already resolved in `res.locals.org`.
 */
export function createManagementRouter(
  behaviour: DialectBehaviour,
  options: ManagementRouterOptions,
): Router {
  const { state, faults, now } = options;
  const { dialect } = behaviour;
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  /** Every call: fault injection, then authentication, then the handler; errors rendered per dialect. */
  const operation =
    (name: string, handler: OperationHandler): RequestHandler =>
    async (req, res) => {
      const org = res.locals.org as Organization;
      try {
        const decision = await faults.onCall(
          'apigee',
          name,
          `${req.baseUrl}${req.path}`,
        );
        const render = (r: Response, d: FaultDecision) =>
          renderApigeeFault(dialect, r, d);
        if (applyFault(req, res, decision, render)) return;
        await behaviour.authenticate(req, org);
        const body =
          req.body && typeof req.body === 'object' && !Array.isArray(req.body)
            ? (req.body as Record<string, unknown>)
            : {};
        await handler({ req, res, org, body });
      } catch (error) {
        renderApigeeError(
          dialect,
          res,
          error instanceof ApigeeError ? error : apigeeErrors.internal(),
        );
      }
    };

  const appPath = '/developers/:developer/apps/:app';
  const keyPath = `${appPath}/keys/:consumerKey`;

  // ------------------------------------------------------------ developers
  router.get(
    '/developers',
    operation('developers.list', ({ req, res, org }) => {
      res.json(
        developerListView(
          dialect,
          state.listDevelopers(org.name),
          req.query.expand === 'true',
        ),
      );
    }),
  );
  router.post(
    '/developers',
    operation('developers.create', ({ res, org, body }) => {
      const developer = state.createDeveloper(org.name, {
        email: String(body.email ?? ''),
        firstName: optionalString(body.firstName),
        lastName: optionalString(body.lastName),
        userName: optionalString(body.userName),
        attributes: parseAttributes(body.attributes),
      });
      res
        .status(behaviour.createdStatus)
        .json(developerView(dialect, developer));
    }),
  );
  router.get(
    '/developers/:developer',
    operation('developers.get', ({ req, res, org }) => {
      res.json(
        developerView(
          dialect,
          state.getDeveloper(org.name, req.params.developer),
        ),
      );
    }),
  );

  // ------------------------------------------------------------------ apps
  router.get(
    '/developers/:developer/apps',
    operation('apps.list', ({ req, res, org }) => {
      const developer = state.getDeveloper(org.name, req.params.developer);
      const apps = page(
        developer.apps,
        a => a.name,
        req.query.startKey,
        req.query.count,
      );
      res.json(appListView(dialect, apps, req.query.expand === 'true'));
    }),
  );
  router.post(
    '/developers/:developer/apps',
    operation('apps.create', ({ req, res, org, body }) => {
      const app = state.createApp(org.name, req.params.developer, {
        name: String(body.name ?? ''),
        apiProducts: parseProductNames(body.apiProducts),
        keyExpiresIn: parseDurationMs(body.keyExpiresIn, 'keyExpiresIn'),
        attributes: parseAttributes(body.attributes),
        callbackUrl: optionalString(body.callbackUrl),
        scopes: parseScopes(body.scopes),
      });
      res.status(behaviour.createdStatus).json(appView(dialect, app));
    }),
  );
  router.get(
    appPath,
    operation('apps.get', ({ req, res, org }) => {
      const { app } = state.getApp(
        org.name,
        req.params.developer,
        req.params.app,
      );
      res.json(appView(dialect, app));
    }),
  );
  router.delete(
    appPath,
    operation('apps.delete', ({ req, res, org }) => {
      const app = state.deleteApp(
        org.name,
        req.params.developer,
        req.params.app,
      );
      // 200 with the deleted app, keys included, in both dialects, as for a deleted key
      // (Apigee documents no answer of its own for deleting an app).
      res.json(appView(dialect, app));
    }),
  );
  router.post(appPath, (req, res, next) => {
    const handler =
      req.query.action === undefined
        ? operation('apps.generateKey', ({ res: r, org, body }) => {
            if (body.name !== undefined && body.name !== req.params.app) {
              throw apigeeErrors.invalidRequest(
                'The app name in the body must match the path',
                'name',
              );
            }
            const app = state.generateKey(
              org.name,
              req.params.developer,
              req.params.app,
              {
                apiProducts: parseProductNames(body.apiProducts),
                keyExpiresIn: parseDurationMs(
                  body.keyExpiresIn,
                  'keyExpiresIn',
                ),
                attributes: parseAttributes(body.attributes),
                callbackUrl: optionalString(body.callbackUrl),
              },
            );
            r.json(appView(dialect, app));
          })
        : operation('apps.action', ({ res: r, org }) => {
            const action = parseAction(req.query.action)!;
            state.setAppStatus(
              org.name,
              req.params.developer,
              req.params.app,
              action,
            );
            r.status(204).end(); // app approve/revoke: 204, no body
          });
    handler(req, res, next);
  });

  // ------------------------------------------------------------------ keys
  const createKey = operation('keys.create', ({ req, res, org, body }) => {
    const key = state.createKey(
      org.name,
      req.params.developer,
      req.params.app,
      {
        consumerKey: body.consumerKey as string,
        consumerSecret: body.consumerSecret as string,
        expiresAt: behaviour.importedKeyExpiry(body, now().getTime()),
        attributes: parseAttributes(body.attributes),
        scopes: parseScopes(body.scopes),
      },
    );
    res
      .status(behaviour.keyCreatedStatus)
      .json(keyView(dialect, key, { omitExpiresAt: dialect === 'edge' }));
  });
  router.post(`${appPath}/keys/create`, createKey);
  if (behaviour.acceptsPostKeys) router.post(`${appPath}/keys`, createKey);

  router.get(
    keyPath,
    operation('keys.get', ({ req, res, org }) => {
      const { key } = state.getKey(
        org.name,
        req.params.developer,
        req.params.app,
        req.params.consumerKey,
      );
      res.json(keyView(dialect, key));
    }),
  );
  router.delete(
    keyPath,
    operation('keys.delete', ({ req, res, org }) => {
      const key = state.deleteKey(
        org.name,
        req.params.developer,
        req.params.app,
        req.params.consumerKey,
      );
      res.json(keyView(dialect, key)); // 200 with the deleted key
    }),
  );
  router.post(keyPath, (req, res, next) => {
    const handler =
      req.query.action === undefined
        ? operation('keys.update', ({ res: r, org, body }) => {
            // Products appended, attributes replaced.
            const key = state.updateKey(
              org.name,
              req.params.developer,
              req.params.app,
              req.params.consumerKey,
              {
                apiProducts: parseProductNames(body.apiProducts),
                attributes: parseAttributes(body.attributes),
                scopes: parseScopes(body.scopes),
              },
            );
            r.json(keyView(dialect, key));
          })
        : operation('keys.action', ({ res: r, org }) => {
            state.setKeyStatus(
              org.name,
              req.params.developer,
              req.params.app,
              req.params.consumerKey,
              parseAction(req.query.action)!,
            );
            r.status(204).end(); // key approve/revoke: 204, no body
          });
    handler(req, res, next);
  });
  router.put(
    keyPath,
    operation('keys.update', ({ req, res, org, body }) => {
      const allowed = new Set(behaviour.putKeyFields);
      const key = state.updateKey(
        org.name,
        req.params.developer,
        req.params.app,
        req.params.consumerKey,
        {
          apiProducts: allowed.has('apiProducts')
            ? parseProductNames(body.apiProducts)
            : undefined,
          attributes: allowed.has('attributes')
            ? parseAttributes(body.attributes)
            : undefined,
          scopes: allowed.has('scopes') ? parseScopes(body.scopes) : undefined,
        },
      );
      res.json(keyView(dialect, key));
    }),
  );

  // --------------------------------------------------------- key products
  router.post(
    `${keyPath}/apiproducts/:product`,
    operation('keyProducts.action', ({ req, res, org }) => {
      const action = parseAction(req.query.action);
      if (!action) {
        throw apigeeErrors.invalidRequest('action=approve|revoke is required');
      }
      state.setKeyProductStatus(
        org.name,
        req.params.developer,
        req.params.app,
        req.params.consumerKey,
        req.params.product,
        action,
      );
      behaviour.replyToKeyProductAction(res);
    }),
  );
  router.delete(
    `${keyPath}/apiproducts/:product`,
    operation('keyProducts.delete', ({ req, res, org }) => {
      const key = state.removeKeyProduct(
        org.name,
        req.params.developer,
        req.params.app,
        req.params.consumerKey,
        req.params.product,
      );
      res.json(keyView(dialect, key)); // 200 with the key
    }),
  );

  // ------------------------------------------------------------- products
  router.get(
    '/apiproducts',
    operation('apiproducts.list', ({ req, res, org }) => {
      const products = state.listApiProducts(org.name);
      if (req.query.expand === 'true') {
        res.json({ apiProduct: products.map(p => apiProductView(dialect, p)) });
      } else if (dialect === 'edge') {
        res.json(products.map(p => p.name));
      } else {
        res.json({ apiProduct: products.map(p => ({ name: p.name })) });
      }
    }),
  );
  router.get(
    '/apiproducts/:product',
    operation('apiproducts.get', ({ req, res, org }) => {
      const product = state
        .listApiProducts(org.name)
        .find(p => p.name === req.params.product);
      if (!product) {
        throw new ApigeeError({
          httpStatus: 404,
          code: 'keymanagement.service.apiproduct_doesnot_exist',
          message: `API Product [${req.params.product}] does not exist for tenant [${org.name}]`,
          rpcStatus: 'NOT_FOUND',
          subject: req.params.product,
        });
      }
      res.json(apiProductView(dialect, product));
    }),
  );

  // ------------------------------------------------------------ analytics
  router.get(
    '/environments/:environment/stats/:dimensions',
    operation('stats.get', ({ req, res, org }) => {
      res.json(
        answerStats(
          options.analytics,
          org,
          req.params.environment,
          req.params.dimensions,
          req.query as Record<string, unknown>,
        ),
      );
    }),
  );

  // Anything else under the organisation, including malformed JSON bodies.
  router.use((req, res) => {
    renderApigeeError(
      dialect,
      res,
      apigeeErrors.unsupported(req.method, req.originalUrl),
    );
  });
  router.use(
    (error: unknown, _req: Request, res: Response, _next: () => void) => {
      const parseFailed =
        (error as { type?: string })?.type === 'entity.parse.failed';
      renderApigeeError(
        dialect,
        res,
        parseFailed
          ? apigeeErrors.invalidRequest('The request body is not valid JSON')
          : apigeeErrors.internal(),
      );
    },
  );
  return router;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Accepts a millisecond duration as number or int64 string; -1 means never. */
export function parseDurationMs(
  value: unknown,
  field: string,
): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = typeof value === 'string' ? Number(value) : value;
  if (
    typeof parsed !== 'number' ||
    !Number.isInteger(parsed) ||
    (parsed < 1 && parsed !== -1)
  ) {
    throw apigeeErrors.invalidRequest(
      `${field} must be a positive integer or -1`,
      field,
    );
  }
  return parsed;
}

/** Apigee list paging: start at the item named `startKey`, return at most `count`. */
function page<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  startKey: unknown,
  count: unknown,
): readonly T[] {
  let result = items;
  if (typeof startKey === 'string' && startKey) {
    const index = items.findIndex(item => nameOf(item) === startKey);
    result = index < 0 ? [] : items.slice(index);
  }
  if (typeof count === 'string' && count) {
    const limit = Number(count);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw apigeeErrors.invalidRequest('count must be an integer in 1..1000');
    }
    result = result.slice(0, limit);
  }
  return result;
}
