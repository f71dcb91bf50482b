import { ApigeeState, RuntimeKeyView } from '../apigee/state';

/** A runtime fault as an Apigee proxy reports it. */
export interface RuntimeFault {
  errorcode: string;
  faultstring: string;
}

export type VerifyResult =
  | { ok: true; view: RuntimeKeyView; apiProduct: string }
  | { ok: false; fault: RuntimeFault };

export interface VerifyRequest {
  org: string;
  consumerKey: string;
  /** Checked only when given (Basic `key:secret` proxies). */
  consumerSecret?: string;
  /** Products that grant access; any approved association passes when undefined. */
  apiProducts?: readonly string[];
  /** Apigee's cache delay (~180 s on real Apigee). */
  propagationDelayMs: number;
  nowMs: number;
}

export const runtimeFaults = {
  invalidKey: {
    errorcode: 'oauth.v2.InvalidApiKey',
    faultstring: 'Invalid ApiKey',
  },
  invalidSecret: {
    errorcode: 'oauth.v2.InvalidClientSecret',
    faultstring: 'Invalid client secret for the given ApiKey',
  },
  keyNotApproved: {
    errorcode: 'oauth.v2.ApiKeyNotApproved',
    faultstring: 'ApiKey not approved',
  },
  keyExpired: {
    errorcode: 'keymanagement.service.consumer_key_expired',
    faultstring: 'Consumer key is expired',
  },
  appNotApproved: {
    errorcode: 'keymanagement.service.invalid_client-app_not_approved',
    faultstring: 'Client app is not approved',
  },
  developerInactive: {
    errorcode: 'keymanagement.service.DeveloperStatusNotActive',
    faultstring: 'Developer status is not active',
  },
  noProducts: {
    errorcode:
      'keymanagement.service.consumer_key_missing_api_product_association',
    faultstring: 'Consumer key is not associated with any API product',
  },
  wrongResource: {
    errorcode: 'oauth.v2.InvalidApiKeyForGivenResource',
    faultstring: 'Invalid ApiKey for given resource',
  },
} satisfies Record<string, RuntimeFault>;

/**
 * VerifyAPIKey: a key is usable when it exists, is approved, is not expired, its app is
 * approved, its developer active, and it has an APPROVED association with one of the
 * required products. A pending association is reported as
 * InvalidApiKeyForGivenResource, like real Edge.
 */
export function verifyApiKey(
  state: ApigeeState,
  request: VerifyRequest,
): VerifyResult {
  const view = state.runtimeView(
    request.org,
    request.consumerKey,
    request.propagationDelayMs,
  );
  const fail = (fault: RuntimeFault): VerifyResult => ({ ok: false, fault });
  if (!view) return fail(runtimeFaults.invalidKey);
  if (
    request.consumerSecret !== undefined &&
    request.consumerSecret !== view.consumerSecret
  ) {
    return fail(runtimeFaults.invalidSecret);
  }
  if (view.status !== 'approved') return fail(runtimeFaults.keyNotApproved);
  if (view.expiresAt !== -1 && view.expiresAt <= request.nowMs) {
    return fail(runtimeFaults.keyExpired);
  }
  if (view.appStatus !== 'approved') return fail(runtimeFaults.appNotApproved);
  if (view.developerStatus !== 'active') {
    return fail(runtimeFaults.developerInactive);
  }
  if (view.apiProducts.length === 0) return fail(runtimeFaults.noProducts);
  const granting = view.apiProducts.find(
    p =>
      p.status === 'approved' &&
      (!request.apiProducts || request.apiProducts.includes(p.apiproduct)),
  );
  if (!granting) return fail(runtimeFaults.wrongResource);
  return { ok: true, view, apiProduct: granting.apiproduct };
}
