import { Router } from 'express';
import { ApigeeAuth } from './auth';
import {
  ManagementRouterOptions,
  createManagementRouter,
} from './managementRouter';

/**
 * Apigee Edge / OPDK management API: Basic or Edge SSO bearer auth, JSON-number
 * timestamps, 201 on keys/create, 204 on `?action=`, `{code,message,contexts}` errors.
 */
export function createEdgeRouter(
  options: ManagementRouterOptions & { auth: ApigeeAuth },
): Router {
  return createManagementRouter(
    {
      dialect: 'edge',
      authenticate: (req, org) =>
        options.auth.authenticateEdge(req.headers.authorization, org),
      // A caller-supplied key never expires on Edge; expiresAt is ignored.
      importedKeyExpiry: () => -1,
      keyCreatedStatus: 201,
      createdStatus: 201,
      acceptsPostKeys: false,
      replyToKeyProductAction: res => {
        res.status(204).end();
      },
      putKeyFields: ['apiProducts', 'attributes', 'scopes'],
    },
    options,
  );
}
