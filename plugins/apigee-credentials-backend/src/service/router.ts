import {
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  apigeeCredentialsReadPermission,
  CredentialStatus,
  CredentialSummary,
  Page,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { CatalogBindingStore } from './bindings/CatalogBindingStore';
import { bindingIdOf } from './bindings/toEngineBinding';
import { CredentialsReadModel } from './CredentialsReadModel';
import { CredentialsService } from './CredentialsService';
import { ProvisioningService } from '../provisioning/ProvisioningService';
import { ProvisionQuotaError } from '../provisioning/provisionErrors';
import {
  RotationCooldownError,
  RotationQuotaError,
  UnsupportedMediaTypeError,
} from './errors';
import { StatusSettings, summarise, toRotationSummary } from './status';

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

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const entityParams = z.object({
  namespace: z.string().regex(NAME, 'invalid namespace'),
  kind: z.string().regex(NAME, 'invalid kind'),
  name: z.string().regex(NAME, 'invalid name'),
});
const bindingParams = entityParams.extend({
  bindingId: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'invalid binding id'),
});
const oldKeyParams = bindingParams.extend({
  fingerprint: z
    .string()
    .regex(/^sha256:[0-9a-f]{12}$/, 'invalid key fingerprint'),
});
const rotateBody = z
  .object({ revokeOldKey: z.boolean().optional() })
  .strict()
  .optional();
const pauseBody = z
  .object({ reason: z.string().trim().min(1).max(500) })
  .strict();
const historyQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,6}$/, 'invalid cursor')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const STATUSES: CredentialStatus[] = [
  'ok',
  'due-soon',
  'overdue',
  'rotating',
  'failed',
  'drift',
  'misconfigured',
  'unverified',
];
const fleetQuery = z.object({
  status: z
    .string()
    .transform(s => s.split(','))
    .pipe(
      z.array(z.enum(STATUSES as [CredentialStatus, ...CredentialStatus[]])),
    )
    .optional(),
  owner: z.string().max(255).optional(),
  oldKeyInUse: z.enum(['true', 'false']).optional(),
  paused: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(
      `Invalid ${what}: ${result.error.issues
        .map(i => `${i.path.join('.') || 'value'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return result.data;
}

/** The plugin's REST API, mounted under `/api/apigee-credentials`. See `openapi.yaml`. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, bindings, readModel, statusSettings } =
    options;
  const now = options.now ?? (() => new Date());
  const router = Router();
  router.use(express.json({ limit: '16kb' }));
  // express.json() passes other content types through unparsed; refuse them rather than
  // act on a request whose body was silently ignored.
  router.use((req, _res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is('application/json')) {
      next(
        new UnsupportedMediaTypeError(
          `Unsupported content type ${
            req.headers['content-type'] ?? '(none)'
          }: send no body, or a JSON one`,
        ),
      );
      return;
    }
    next();
  });

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const { service } = options;
  const authorize = (
    credentials: BackstageCredentials,
    permission: ResourcePermission,
    entityRef: string,
  ) => service.authorize(credentials, permission, entityRef);

  router.get(
    '/v1/entities/:namespace/:kind/:name/credentials',
    async (req, res) => {
      const params = parse(entityParams, req.params, 'entity');
      const entityRef = stringifyEntityRef(params).toLocaleLowerCase('en-US');
      const credentials = await httpAuth.credentials(req);
      await authorize(credentials, apigeeCredentialsReadPermission, entityRef);
      res.json({ items: await service.summariesOf(entityRef) });
    },
  );

  router.get(
    '/v1/entities/:namespace/:kind/:name/credentials/:bindingId/history',
    async (req, res) => {
      const params = parse(bindingParams, req.params, 'binding');
      const query = parse(historyQuery, req.query, 'query');
      const entityRef = stringifyEntityRef(params).toLocaleLowerCase('en-US');
      const credentials = await httpAuth.credentials(req);
      await authorize(credentials, apigeeCredentialsReadPermission, entityRef);
      const bindingId = bindingIdOf(entityRef, params.bindingId);
      if (!(await bindings.get(bindingId))) {
        throw new NotFoundError(
          `${entityRef} has no credential binding ${params.bindingId}`,
        );
      }
      const offset = Number(query.cursor ?? 0);
      const records = await readModel.listRotations(
        bindingId,
        offset + query.limit + 1,
      );
      const items = records
        .slice(offset, offset + query.limit)
        .map(toRotationSummary);
      const page: Page<(typeof items)[number]> = { items };
      if (records.length > offset + query.limit) {
        page.nextCursor = String(offset + query.limit);
      }
      res.json(page);
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/credentials/:bindingId/rotate',
    async (req, res) => {
      const params = parse(bindingParams, req.params, 'binding');
      const entityRef = stringifyEntityRef(params).toLocaleLowerCase('en-US');
      const body = parse(rotateBody, req.body, 'body');
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      try {
        const { id } = await service.requestRotation({
          entityRef,
          environment: params.bindingId,
          credentials,
          request: req,
          revokeOldKey: body?.revokeOldKey,
        });
        res.status(202).json({ id });
      } catch (error) {
        if (
          error instanceof RotationCooldownError ||
          error instanceof RotationQuotaError
        ) {
          res.setHeader('Retry-After', String(error.retryAfterSeconds));
        }
        throw error;
      }
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/credentials/:bindingId/check',
    async (req, res) => {
      const params = parse(bindingParams, req.params, 'binding');
      const entityRef = stringifyEntityRef(params).toLocaleLowerCase('en-US');
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      res.json(
        await service.checkNow({
          entityRef,
          environment: params.bindingId,
          credentials,
          request: req,
        }),
      );
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/credentials/:bindingId/approve',
    async (req, res) => {
      const params = parse(bindingParams, req.params, 'binding');
      const entityRef = stringifyEntityRef(params).toLocaleLowerCase('en-US');
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      res.json(
        await service.approve({
          entityRef,
          environment: params.bindingId,
          credentials,
          request: req,
        }),
      );
    },
  );

  const oldKeyRoute =
    '/v1/entities/:namespace/:kind/:name/credentials/:bindingId/old-keys/:fingerprint';
  const ownerRequest = async (req: express.Request) => {
    const params = parse(oldKeyParams, req.params, 'old key');
    return {
      entityRef: stringifyEntityRef(params).toLocaleLowerCase('en-US'),
      environment: params.bindingId,
      keyFingerprint: params.fingerprint,
      credentials: await httpAuth.credentials(req, { allow: ['user'] }),
      request: req,
    };
  };
  router.get(`${oldKeyRoute}/traffic`, async (req, res) => {
    res.json(await service.oldKeyTraffic(await ownerRequest(req)));
  });
  router.post(`${oldKeyRoute}/revoke`, async (req, res) => {
    res.json(await service.revokeOldKey(await ownerRequest(req)));
  });
  router.post(`${oldKeyRoute}/restore`, async (req, res) => {
    res.json(await service.restoreOldKey(await ownerRequest(req)));
  });

  const bindingRoute =
    '/v1/entities/:namespace/:kind/:name/credentials/:bindingId';
  router.post(`${bindingRoute}/pause`, async (req, res) => {
    const params = parse(bindingParams, req.params, 'binding');
    const { reason } = parse(pauseBody, req.body, 'body');
    res.json(
      await service.pause({
        entityRef: stringifyEntityRef(params).toLocaleLowerCase('en-US'),
        environment: params.bindingId,
        credentials: await httpAuth.credentials(req, { allow: ['user'] }),
        request: req,
        reason,
      }),
    );
  });
  router.post(`${bindingRoute}/resume`, async (req, res) => {
    const params = parse(bindingParams, req.params, 'binding');
    await service.resume({
      entityRef: stringifyEntityRef(params).toLocaleLowerCase('en-US'),
      environment: params.bindingId,
      credentials: await httpAuth.credentials(req, { allow: ['user'] }),
      request: req,
    });
    res.status(204).end();
  });

  router.post('/v1/provisions', async (req, res) => {
    if (!options.provisioning) {
      throw new NotFoundError('Provisioning is not enabled in this backend');
    }
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { result, repeated } = await options.provisioning
      .provision({ body: req.body, credentials, request: req })
      .catch(error => {
        if (error instanceof ProvisionQuotaError) {
          res.setHeader('Retry-After', String(error.retryAfterSeconds));
        }
        throw error;
      });
    // 201 when this request created something; 200 for a dry run or a repeat.
    res.status(result.dryRun || repeated ? 200 : 201).json(result);
  });

  router.get('/v1/rotations/:id', async (req, res) => {
    const { id } = parse(
      z.object({
        id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'invalid rotation id'),
      }),
      req.params,
      'rotation',
    );
    const credentials = await httpAuth.credentials(req);
    const rotation = await readModel.getRotation(id);
    if (!rotation) throw new NotFoundError(`No rotation with id ${id}`);
    const entityRef = rotation.bindingId.slice(
      0,
      rotation.bindingId.lastIndexOf('#'),
    );
    await authorize(credentials, apigeeCredentialsReadPermission, entityRef);
    res.json(toRotationSummary(rotation));
  });

  router.get('/v1/credentials', async (req, res) => {
    const query = parse(fleetQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    const wanted = query.status ? new Set(query.status) : undefined;
    const items: CredentialSummary[] = [];
    let afterId = query.cursor;
    let exhausted = false;
    const at = now();
    while (items.length < query.limit && !exhausted) {
      const rows = await bindings.list({
        ownerRef: query.owner,
        afterId,
        limit: 200,
      });
      exhausted = rows.length < 200;
      if (rows.length === 0) break;
      const decisions = await permissions.authorize(
        rows.map(row => ({
          permission: apigeeCredentialsReadPermission,
          resourceRef: row.entityRef,
        })),
        { credentials },
      );
      for (let i = 0; i < rows.length && items.length < query.limit; i++) {
        afterId = rows[i].id;
        if (decisions[i].result !== AuthorizeResult.ALLOW) continue;
        const row = rows[i];
        const summary = summarise(
          row,
          row.error ? undefined : await readModel.status(row.id),
          statusSettings,
          at,
        );
        if (
          (!wanted || wanted.has(summary.status)) &&
          (query.oldKeyInUse !== 'true' ||
            summary.oldKeys.some(k => k.state === 'in-use')) &&
          (query.paused !== 'true' || summary.paused)
        ) {
          items.push(summary);
        }
      }
      if (items.length >= query.limit && afterId !== rows[rows.length - 1].id) {
        exhausted = false;
      }
    }
    const page: Page<CredentialSummary> = { items };
    if (!exhausted && afterId) page.nextCursor = afterId;
    res.json(page);
  });

  return router;
}
