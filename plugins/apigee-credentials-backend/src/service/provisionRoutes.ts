import { NotFoundError } from '@backstage/errors';
import { ProvisionQuotaError } from '../provisioning/provisionErrors';
import type { ApiRouter, RouterOptions } from './router';

/*
 * Provisioning of a new consumer, the scaffolder action's backend. Its body is checked by
 * ProvisioningService, not by the request validator: after the permission check, audited
 * even when refused, and naming every bad field at once. A test holds the two to the same
 * ProvisionRequest schema.
 */

export const PROVISIONS = '/v1/provisions';

export function provisionRoutes(api: ApiRouter, options: RouterOptions) {
  const { httpAuth, provisioning } = options;
  api.post(PROVISIONS, async (req, res) => {
    if (!provisioning) {
      throw new NotFoundError('Provisioning is not enabled in this backend');
    }
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { result, repeated } = await provisioning
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
}
