import type { CompoundEntityRef } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  CredentialSummary,
  KeyTrafficSummary,
  OldKeySummary,
  Page,
  RotationPause,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type {
  ApigeeCredentialsApi,
  FleetFilter,
  PageOptions,
  RotateOptions,
} from './ApigeeCredentialsApi';

const PLUGIN_ID = 'apigee-credentials';

function query(
  params: Record<string, string | number | boolean | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * The path of an entity in the REST API. Kind and namespace are lower-cased like the
 * catalog's own entity URLs (entity refs compare case-insensitively).
 */
function entityPath(entityRef: CompoundEntityRef): string {
  const namespace = (entityRef.namespace || 'default').toLocaleLowerCase(
    'en-US',
  );
  const kind = entityRef.kind.toLocaleLowerCase('en-US');
  return `/v1/entities/${encodeURIComponent(namespace)}/${encodeURIComponent(
    kind,
  )}/${encodeURIComponent(entityRef.name)}`;
}

function bindingPath(entityRef: CompoundEntityRef, bindingId: string): string {
  return `${entityPath(entityRef)}/credentials/${encodeURIComponent(
    bindingId,
  )}`;
}

/** An old key of a binding; the fingerprint (`sha256:…`) has a colon, hence encoded. */
function oldKeyPath(
  entityRef: CompoundEntityRef,
  bindingId: string,
  keyFingerprint: string,
): string {
  return `${bindingPath(entityRef, bindingId)}/old-keys/${encodeURIComponent(
    keyFingerprint,
  )}`;
}

/** A POST with a JSON body. */
function postJson(body: unknown): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/**
 * Talks to the Apigee credentials backend through the app's discovery and fetch APIs
 * (the fetch API adds the user's Backstage token).
 *
 * @public
 */
export class ApigeeCredentialsClient implements ApigeeCredentialsApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getEntityCredentials(
    entityRef: CompoundEntityRef,
  ): Promise<CredentialSummary[]> {
    const body = await this.request<{ items: CredentialSummary[] }>(
      `${entityPath(entityRef)}/credentials`,
    );
    return body.items;
  }

  getRotationHistory(
    entityRef: CompoundEntityRef,
    bindingId: string,
    options: PageOptions = {},
  ): Promise<Page<RotationSummary>> {
    return this.request(
      `${bindingPath(entityRef, bindingId)}/history${query({
        cursor: options.cursor,
        limit: options.limit,
      })}`,
    );
  }

  rotate(
    entityRef: CompoundEntityRef,
    bindingId: string,
    options: RotateOptions = {},
  ): Promise<{ id: string }> {
    // A plain rotation sends no body, as before the option existed.
    return this.request(
      `${bindingPath(entityRef, bindingId)}/rotate`,
      options.revokeOldKey
        ? postJson({ revokeOldKey: true })
        : { method: 'POST' },
    );
  }

  checkNow(
    entityRef: CompoundEntityRef,
    bindingId: string,
  ): Promise<CredentialSummary> {
    return this.request(`${bindingPath(entityRef, bindingId)}/check`, {
      method: 'POST',
    });
  }

  approve(
    entityRef: CompoundEntityRef,
    bindingId: string,
  ): Promise<CredentialSummary> {
    return this.request(`${bindingPath(entityRef, bindingId)}/approve`, {
      method: 'POST',
    });
  }

  getOldKeyTraffic(
    entityRef: CompoundEntityRef,
    bindingId: string,
    keyFingerprint: string,
  ): Promise<KeyTrafficSummary> {
    return this.request(
      `${oldKeyPath(entityRef, bindingId, keyFingerprint)}/traffic`,
    );
  }

  revokeOldKey(
    entityRef: CompoundEntityRef,
    bindingId: string,
    keyFingerprint: string,
  ): Promise<OldKeySummary> {
    return this.request(
      `${oldKeyPath(entityRef, bindingId, keyFingerprint)}/revoke`,
      { method: 'POST' },
    );
  }

  restoreOldKey(
    entityRef: CompoundEntityRef,
    bindingId: string,
    keyFingerprint: string,
  ): Promise<OldKeySummary> {
    return this.request(
      `${oldKeyPath(entityRef, bindingId, keyFingerprint)}/restore`,
      { method: 'POST' },
    );
  }

  pause(
    entityRef: CompoundEntityRef,
    bindingId: string,
    reason: string,
  ): Promise<RotationPause> {
    return this.request(
      `${bindingPath(entityRef, bindingId)}/pause`,
      postJson({ reason }),
    );
  }

  async resume(entityRef: CompoundEntityRef, bindingId: string): Promise<void> {
    await this.send(`${bindingPath(entityRef, bindingId)}/resume`, {
      method: 'POST',
    });
  }

  getRotation(rotationId: string): Promise<RotationSummary> {
    return this.request(`/v1/rotations/${encodeURIComponent(rotationId)}`);
  }

  listCredentials(filter: FleetFilter = {}): Promise<Page<CredentialSummary>> {
    return this.request(
      `/v1/credentials${query({
        status: filter.status,
        owner: filter.owner,
        oldKeyInUse: filter.oldKeyInUse,
        paused: filter.paused,
        cursor: filter.cursor,
        limit: filter.limit,
      })}`,
    );
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await this.send(path, init);
    return (await response.json()) as T;
  }

  /** Sends a request; rejects with a ResponseError on an error status. */
  private async send(path: string, init?: RequestInit): Promise<Response> {
    const baseUrl = await this.discoveryApi.getBaseUrl(PLUGIN_ID);
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }
}
