import type { ApiRouter as SpecRouter } from '@backstage/backend-openapi-utils';
import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { createOpenApiRouter, spec } from '../schema/openapi';
import { CatalogBindingStore } from '../database/CatalogBindingStore';
import { ProvisioningService } from '../provisioning/ProvisioningService';
import { credentialRoutes } from './credentialRoutes';
import { CredentialsReadModel } from './CredentialsReadModel';
import { CredentialsService } from './CredentialsService';
import { fleetRoutes } from './fleetRoutes';
import { oldKeyRoutes } from './oldKeyRoutes';
import { PROVISIONS, provisionRoutes } from './provisionRoutes';
import {
  describeInvalidRequest,
  jsonBody,
  refuseNonJsonBodies,
} from './requestValidation';
import { StatusSettings } from './status';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  bindings: CatalogBindingStore;
  readModel: CredentialsReadModel;
  /** Permission checks, cooldown and audit trail shared with the actions registry. */
  service: CredentialsService;
  /** Provisioning of new consumers (the scaffolder action's backend); off when absent. */
  provisioning?: ProvisioningService;
  statusSettings: StatusSettings;
  now?: () => Date;
}

/** The router built from the spec: typed by it, and every request checked against it. */
export type ApiRouter = SpecRouter<typeof spec>;

/**
 * The plugin's REST API, mounted under `/api/apigee-credentials`. The contract is
 * `src/schema/openapi.yaml`: path parameters, queries and bodies that it forbids are
 * answered 400 before any handler runs.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const router = Router();
  // Before the validator, which would turn their 413 and 415 into 400s.
  router.use(jsonBody, refuseNonJsonBodies);

  const api = await createOpenApiRouter({
    // Already parsed above; a no-op here.
    middleware: [jsonBody],
    validatorOptions: {
      // Authentication is httpAuth's (401 and 403 with its messages), per route.
      validateSecurity: false,
      ignorePaths: (path: string) => path.endsWith(PROVISIONS),
    },
  });
  api.use(describeInvalidRequest);
  router.use(api);

  api.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  credentialRoutes(api, options);
  oldKeyRoutes(api, options);
  fleetRoutes(api, options);
  provisionRoutes(api, options);
  return router;
}
