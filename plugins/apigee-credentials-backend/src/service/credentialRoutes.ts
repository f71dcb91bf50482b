import { HttpAuthService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { apigeeCredentialsReadPermission } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { Request, Response } from 'express';
import type { ApiRouter, RouterOptions } from './router';
import { bindingIdOf } from './bindings/toEngineBinding';
import { RotationCooldownError, RotationQuotaError } from './errors';
import { toRotationSummary } from './status';

/*
 * The credentials of one entity: their status and history, and what an owner may do with
 * one (rotate, check, approve, pause, resume). Parameters and bodies arrive validated
 * against the spec; permissions, cooldowns and the audit trail are CredentialsService's.
 */

const ENTITY = '/v1/entities/:namespace/:kind/:name/credentials';
const BINDING = `${ENTITY}/:bindingId`;

/** Path parameters that name one credential of an entity. */
export interface BindingParams {
  namespace: string;
  kind: string;
  name: string;
  bindingId: string;
}

/** Entity refs compare case-insensitively; the catalog's own URLs are lower-case. */
export const entityRefOf = (entity: Omit<BindingParams, 'bindingId'>) =>
  stringifyEntityRef(entity).toLocaleLowerCase('en-US');

/** What CredentialsService needs to act on one credential for the user who asks. */
export async function userRequest(
  httpAuth: HttpAuthService,
  req: Request<any, any, any, any>,
  params: BindingParams,
) {
  return {
    entityRef: entityRefOf(params),
    environment: params.bindingId,
    credentials: await httpAuth.credentials(req, { allow: ['user'] }),
    request: req,
  };
}

/** Answers 429 with how long to wait, and passes every error on. */
function retryAfterOn(res: Response) {
  return (error: unknown): never => {
    if (
      error instanceof RotationCooldownError ||
      error instanceof RotationQuotaError
    ) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    throw error;
  };
}

export function credentialRoutes(api: ApiRouter, options: RouterOptions) {
  const { httpAuth, service, bindings, readModel } = options;
  const asUser = (req: Request<BindingParams, any, any, any>) =>
    userRequest(httpAuth, req, req.params);
  const mayRead = async (req: Request<any, any, any, any>, entityRef: string) =>
    service.authorize(
      await httpAuth.credentials(req),
      apigeeCredentialsReadPermission,
      entityRef,
    );

  api.get(ENTITY, async (req, res) => {
    const entityRef = entityRefOf(req.params);
    await mayRead(req, entityRef);
    res.json({ items: await service.summariesOf(entityRef) });
  });

  api.get(`${BINDING}/history`, async (req, res) => {
    const entityRef = entityRefOf(req.params);
    await mayRead(req, entityRef);
    const bindingId = bindingIdOf(entityRef, req.params.bindingId);
    if (!(await bindings.get(bindingId))) {
      throw new NotFoundError(
        `${entityRef} has no credential binding ${req.params.bindingId}`,
      );
    }
    // The validator has put the spec's default in place.
    const limit = req.query.limit!;
    const offset = Number(req.query.cursor ?? 0);
    const records = await readModel.listRotations(
      bindingId,
      offset + limit + 1,
    );
    res.json({
      items: records.slice(offset, offset + limit).map(toRotationSummary),
      ...(records.length > offset + limit && {
        nextCursor: String(offset + limit),
      }),
    });
  });

  api.post(`${BINDING}/rotate`, async (req, res) => {
    const { id } = await service
      .requestRotation({
        ...(await asUser(req)),
        revokeOldKey: req.body?.revokeOldKey,
      })
      .catch(retryAfterOn(res));
    res.status(202).json({ id });
  });

  api.post(`${BINDING}/check`, async (req, res) => {
    res.json(await service.checkNow(await asUser(req)));
  });

  api.post(`${BINDING}/approve`, async (req, res) => {
    res.json(await service.approve(await asUser(req)));
  });

  api.post(`${BINDING}/pause`, async (req, res) => {
    const { reason } = req.body;
    res.json(await service.pause({ ...(await asUser(req)), reason }));
  });

  api.post(`${BINDING}/resume`, async (req, res) => {
    await service.resume(await asUser(req));
    res.status(204).end();
  });

  api.get('/v1/rotations/:rotationId', async (req, res) => {
    const { rotationId } = req.params;
    // Authenticated before the lookup; authorized once the rotation names its entity.
    const credentials = await httpAuth.credentials(req);
    const rotation = await readModel.getRotation(rotationId);
    if (!rotation) throw new NotFoundError(`No rotation with id ${rotationId}`);
    // A binding id is the entity ref, `#` and the environment.
    const entityRef = rotation.bindingId.slice(
      0,
      rotation.bindingId.lastIndexOf('#'),
    );
    await service.authorize(
      credentials,
      apigeeCredentialsReadPermission,
      entityRef,
    );
    res.json(toRotationSummary(rotation));
  });
}
