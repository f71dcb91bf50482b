import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  CredentialSummary,
  ProvisionRequest,
  ProvisionResult,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/**
 * Options of every {@link ApigeeCredentialsService} call.
 *
 * @public
 */
export interface ApigeeCredentialsServiceRequestOptions {
  /**
   * Whom the call is made for. Pass the initiating user's credentials (for example
   * `await ctx.getInitiatorCredentials()` in a scaffolder action): the backend checks that
   * user's permissions and records the user in its audit trail.
   */
  credentials: BackstageCredentials;
  /** Aborts the HTTP request, for example when a scaffolder task is cancelled. */
  signal?: AbortSignal;
}

/**
 * How other backend plugins and modules talk to the Apigee credentials backend plugin.
 * Every answer carries identifiers and fingerprints only, never a secret value.
 *
 * @public
 */
export interface ApigeeCredentialsService {
  /**
   * Creates (or fills) the Apigee app key and the Secrets Manager secret of a new consumer.
   * Repeating a request with the same `requestId` returns the first result. When a step
   * fails, the backend removes what the request created before it answers with an error.
   */
  provision(
    request: ProvisionRequest,
    options: ApigeeCredentialsServiceRequestOptions,
  ): Promise<ProvisionResult>;

  /** Lists the credentials bound to a catalog entity, e.g. `component:default/orders-service`. */
  getCredentials(
    entityRef: string,
    options: ApigeeCredentialsServiceRequestOptions,
  ): Promise<{ items: CredentialSummary[] }>;
}
