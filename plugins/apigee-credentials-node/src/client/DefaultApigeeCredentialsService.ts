import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import type {
  CredentialSummary,
  ProvisionRequest,
  ProvisionResult,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type {
  ApigeeCredentialsService,
  ApigeeCredentialsServiceRequestOptions,
} from './ApigeeCredentialsService';
import { errorFromResponse } from './responseErrors';
import { toCredentialsPage, toProvisionResult } from './responseBodies';

/** The backend plugin this client talks to. */
const PLUGIN_ID = 'apigee-credentials';

/**
 * Calls the apigee-credentials backend over HTTP, on behalf of the caller's credentials.
 *
 * @public
 */
export class DefaultApigeeCredentialsService
  implements ApigeeCredentialsService
{
  readonly #auth: AuthService;
  readonly #discovery: DiscoveryService;

  static create(options: {
    auth: AuthService;
    discovery: DiscoveryService;
  }): DefaultApigeeCredentialsService {
    return new DefaultApigeeCredentialsService(options.auth, options.discovery);
  }

  private constructor(auth: AuthService, discovery: DiscoveryService) {
    this.#auth = auth;
    this.#discovery = discovery;
  }

  async provision(
    request: ProvisionRequest,
    options: ApigeeCredentialsServiceRequestOptions,
  ): Promise<ProvisionResult> {
    const operation = `Provisioning Apigee credentials (request ${request.requestId})`;
    const response = await this.#fetch('/v1/provisions', options, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!response.ok) {
      throw await errorFromResponse(response, operation);
    }
    return toProvisionResult(await readJson(response, operation));
  }

  async getCredentials(
    entityRef: string,
    options: ApigeeCredentialsServiceRequestOptions,
  ): Promise<{ items: CredentialSummary[] }> {
    const { kind, namespace, name } = parseEntityRef(entityRef);
    const operation = `Listing the Apigee credentials of ${entityRef}`;
    const path = ['v1', 'entities', namespace, kind, name, 'credentials']
      .map(segment => encodeURIComponent(segment))
      .join('/');
    const response = await this.#fetch(`/${path}`, options, { method: 'GET' });
    if (!response.ok) {
      throw await errorFromResponse(response, operation);
    }
    return toCredentialsPage(await readJson(response, operation));
  }

  async #fetch(
    path: string,
    options: ApigeeCredentialsServiceRequestOptions,
    init: RequestInit,
  ): Promise<Response> {
    const baseUrl = await this.#discovery.getBaseUrl(PLUGIN_ID);
    // A fresh token per request, issued for the caller: the backend authorizes the caller,
    // not this plugin.
    const { token } = await this.#auth.getPluginRequestToken({
      onBehalfOf: options.credentials,
      targetPluginId: PLUGIN_ID,
    });
    return fetch(`${baseUrl}${path}`, {
      ...init,
      headers: {
        ...init.headers,
        Accept: 'application/json',
        Authorization: `Bearer ${token}`,
      },
      signal: options.signal,
    });
  }
}

async function readJson(
  response: Response,
  operation: string,
): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new Error(
      `${operation} failed: the apigee-credentials backend answered HTTP ${response.status} without a JSON body`,
    );
  }
}
