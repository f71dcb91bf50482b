import type { Request } from 'express';
import { BindingParams, userRequest } from './credentialRoutes';
import type { ApiRouter, RouterOptions } from './router';

/*
 * An owner's hand on the old keys of a credential: see an old key's recent traffic, revoke
 * it now (a leaked key), restore it within the restore window. Audited by CredentialsService.
 */

const OLD_KEY =
  '/v1/entities/:namespace/:kind/:name/credentials/:bindingId/old-keys/:keyFingerprint';

export function oldKeyRoutes(api: ApiRouter, options: RouterOptions) {
  const { httpAuth, service } = options;
  const oldKeyRequest = async (
    req: Request<BindingParams & { keyFingerprint: string }, any, any, any>,
  ) => ({
    ...(await userRequest(httpAuth, req, req.params)),
    keyFingerprint: req.params.keyFingerprint,
  });

  api.get(`${OLD_KEY}/traffic`, async (req, res) => {
    res.json(await service.oldKeyTraffic(await oldKeyRequest(req)));
  });
  api.post(`${OLD_KEY}/revoke`, async (req, res) => {
    res.json(await service.revokeOldKey(await oldKeyRequest(req)));
  });
  api.post(`${OLD_KEY}/restore`, async (req, res) => {
    res.json(await service.restoreOldKey(await oldKeyRequest(req)));
  });
}
