import {
  ApiKeyDetails,
  CreateAppOptions,
  DeveloperAppDetails,
  DeveloperDetails,
  DeveloperAppRef,
  KeyProvider,
  KeyProviderError,
  KeyTraffic,
  KeyTrafficQuery,
  NewApiKey,
  fingerprint,
  keyProviderErrorKindForStatus,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import Bottleneck from 'bottleneck';
import { ApigeeAuthenticator, createApigeeAuthenticator } from './auth';
import { ApigeeProviderConfig } from './config';
import {
  DimensionTraffic,
  TRAFFIC_DIMENSIONS,
  TrafficDimension,
  combineTraffic,
  parseStats,
  statsQuery,
} from './analytics';
import {
  parseAttributes,
  KEY_ALREADY_EXISTS,
  KEY_NOT_IN_APP,
  isKeyLimitError,
  parseErrorBody,
  parseKey,
} from './wire';

interface CallOptions {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  json?: unknown;
  /** `?action=approve|revoke` calls take an empty octet-stream body, on Edge and X. */
  action?: 'approve' | 'revoke';
  /** Extra query parameters (the stats API's). */
  query?: Record<string, string>;
  /** Consumer key involved, so that it can be kept out of error messages. */
  consumerKey?: string;
}

interface CallResult {
  status: number;
  body: unknown;
}

/**
 * A key provider on the Apigee management API, for both Edge/OPDK and X/hybrid. The two
 * differ in authentication, timestamp encoding and success codes, which this class absorbs;
 * the endpoints used are the same (see docs/apigee-and-aws-facts.md).
 */
export class ApigeeKeyProvider implements KeyProvider {
  readonly name: string;
  readonly maxKeysPerApp?: number;
  readonly oldKeyRetirement: 'traffic' | 'time';
  readonly trafficDelayMs: number;
  readonly #config: ApigeeProviderConfig;
  readonly #auth: ApigeeAuthenticator;
  readonly #limiter?: Bottleneck;

  constructor(
    config: ApigeeProviderConfig,
    options?: { authenticator?: ApigeeAuthenticator },
  ) {
    this.name = config.name;
    this.maxKeysPerApp = config.maxKeysPerApp;
    this.oldKeyRetirement = config.analytics.enabled ? 'traffic' : 'time';
    this.trafficDelayMs = config.analytics.delayMs;
    this.#config = config;
    this.#auth =
      options?.authenticator ??
      createApigeeAuthenticator(config.auth, {
        requestTimeoutMs: config.requestTimeoutMs,
      });
    if (config.maxRequestsPerSecond) {
      this.#limiter = new Bottleneck({
        minTime: Math.ceil(1000 / config.maxRequestsPerSecond),
      });
    }
  }

  async getApp(ref: DeveloperAppRef): Promise<DeveloperAppDetails> {
    const developerPath = this.#developerPath(ref);
    const [developer, app] = await Promise.all([
      // The developer's status matters (an inactive developer disables every key), but
      // a role allowed to manage keys may lack the permission to read developers (403).
      this.#call('read developer', ref, {
        method: 'GET',
        path: developerPath,
      }).catch(error => {
        if (error instanceof KeyProviderError && error.status === 403)
          return { body: undefined };
        throw error;
      }),
      this.#call('read app', ref, { method: 'GET', path: this.#appPath(ref) }),
    ]);
    const appBody = (app.body ?? {}) as {
      status?: unknown;
      credentials?: unknown;
      attributes?: unknown;
    };
    const developerBody = developer.body as
      | { status?: unknown; attributes?: unknown }
      | undefined;
    const keys = Array.isArray(appBody.credentials)
      ? appBody.credentials
          .map(parseKey)
          .filter((k): k is ApiKeyDetails => k !== undefined)
      : [];
    return {
      developer: ref.developer,
      app: ref.app,
      status: typeof appBody.status === 'string' ? appBody.status : 'approved',
      developerStatus:
        typeof developerBody?.status === 'string'
          ? developerBody.status
          : undefined,
      attributes: parseAttributes(appBody.attributes),
      developerAttributes: developerBody
        ? parseAttributes(developerBody.attributes)
        : undefined,
      keys,
    };
  }

  async importKey(ref: DeveloperAppRef, key: NewApiKey): Promise<void> {
    try {
      // Import with keys/create: the same path on Edge and X; Edge answers 201, X 200.
      await this.#call('import key', ref, {
        method: 'POST',
        path: `${this.#appPath(ref)}/keys/create`,
        json: {
          consumerKey: key.consumerKey,
          consumerSecret: key.consumerSecret,
        },
        consumerKey: key.consumerKey,
      });
    } catch (error) {
      if (
        !(error instanceof KeyProviderError) ||
        error.code !== KEY_ALREADY_EXISTS
      ) {
        throw error;
      }
      // A retry after a lost answer: fine if this very pair is on this app already.
      const existing = await this.#readKeyWithSecret(ref, key.consumerKey);
      if (existing?.consumerSecret === key.consumerSecret) return;
      throw new KeyProviderError(
        `Apigee import key for app ${ref.app} of ${ref.developer} in ${
          this.#config.organization
        } failed: the consumer key ${fingerprint(
          key.consumerKey,
        )} already exists ${
          existing ? 'with another secret' : 'in another app'
        }`,
        { kind: 'conflict', status: 409, code: KEY_ALREADY_EXISTS },
      );
    }
  }

  async addApiProducts(
    ref: DeveloperAppRef,
    consumerKey: string,
    apiProducts: string[],
  ): Promise<ApiKeyDetails | void> {
    if (apiProducts.length === 0) return undefined;
    // Apigee merges the products with the key's existing ones; the answer is the
    // key, with the status of each association.
    const response = await this.#call('associate API products', ref, {
      method: 'POST',
      path: this.#keyPath(ref, consumerKey),
      json: { apiProducts },
      consumerKey,
    });
    const key = parseKey(response.body);
    return key?.consumerKey === consumerKey ? key : undefined;
  }

  async approveKey(ref: DeveloperAppRef, consumerKey: string): Promise<void> {
    await this.#call('approve key', ref, {
      method: 'POST',
      path: this.#keyPath(ref, consumerKey),
      action: 'approve',
      consumerKey,
    });
  }

  async approveApiProduct(
    ref: DeveloperAppRef,
    consumerKey: string,
    apiProduct: string,
  ): Promise<void> {
    await this.#call(`approve API product ${apiProduct}`, ref, {
      method: 'POST',
      path: `${this.#keyPath(
        ref,
        consumerKey,
      )}/apiproducts/${encodeURIComponent(apiProduct)}`,
      action: 'approve',
      consumerKey,
    });
  }

  async revokeKey(ref: DeveloperAppRef, consumerKey: string): Promise<void> {
    await this.#call('revoke key', ref, {
      method: 'POST',
      path: this.#keyPath(ref, consumerKey),
      action: 'revoke',
      consumerKey,
    });
  }

  /**
   * Calls with the key in every configured environment: two stats requests per environment
   * (per proxy, which also gives the count, and per client IP).
   */
  async keyTraffic(query: KeyTrafficQuery): Promise<KeyTraffic> {
    const { environments } = this.#config.analytics;
    if (environments.length === 0) {
      throw new KeyProviderError(
        `Apigee analytics is not configured for provider ${this.name}: set analytics.environments`,
        { kind: 'invalid' },
      );
    }
    let params: Record<string, string>;
    try {
      params = statsQuery(query.consumerKey, query.from, query.to);
    } catch (error) {
      throw new KeyProviderError(
        `Apigee analytics for app ${query.ref.app}: ${
          (error as Error).message
        }`,
        { kind: 'invalid' },
      );
    }
    const requests = environments.flatMap(environment =>
      TRAFFIC_DIMENSIONS.map(dimension => ({ environment, dimension })),
    );
    const answers = await Promise.all(
      requests.map(async ({ environment, dimension }) => ({
        dimension,
        traffic: await this.#stats(query, environment, dimension, params),
      })),
    );
    return combineTraffic(answers);
  }

  async #stats(
    query: KeyTrafficQuery,
    environment: string,
    dimension: TrafficDimension,
    params: Record<string, string>,
  ): Promise<DimensionTraffic> {
    const operation = `read analytics of environment ${environment}`;
    const { body } = await this.#call(operation, query.ref, {
      method: 'GET',
      path: `/environments/${encodeURIComponent(
        environment,
      )}/stats/${dimension}`,
      query: params,
      consumerKey: query.consumerKey,
    });
    try {
      return parseStats(body);
    } catch (error) {
      throw new KeyProviderError(
        `Apigee ${operation} for app ${query.ref.app}: ${
          (error as Error).message
        }`,
        { kind: 'transient' },
      );
    }
  }

  async deleteKey(ref: DeveloperAppRef, consumerKey: string): Promise<void> {
    try {
      await this.#call('delete key', ref, {
        method: 'DELETE',
        path: this.#keyPath(ref, consumerKey),
        consumerKey,
      });
    } catch (error) {
      // Only "this key is not on this app" counts as done; an unknown org or app is an error.
      if (error instanceof KeyProviderError && error.code === KEY_NOT_IN_APP)
        return;
      throw error;
    }
  }

  async createApp(
    ref: DeveloperAppRef,
    options?: CreateAppOptions,
  ): Promise<DeveloperAppDetails> {
    // An app created without products, so the key Apigee generates for it calls nothing.
    const attributes = Object.entries(options?.attributes ?? {}).map(
      ([name, value]) => ({ name, value }),
    );
    await this.#call('create app', ref, {
      method: 'POST',
      path: `${this.#developerPath(ref)}/apps`,
      json: { name: ref.app, ...(attributes.length > 0 && { attributes }) },
    });
    return this.getApp(ref);
  }

  async getDeveloper(developer: string): Promise<DeveloperDetails> {
    const ref = { developer, app: '' };
    const { body } = await this.#call('read developer', ref, {
      method: 'GET',
      path: this.#developerPath(ref),
    });
    const parsed = (body ?? {}) as { status?: unknown; attributes?: unknown };
    return {
      status: typeof parsed.status === 'string' ? parsed.status : undefined,
      attributes: parseAttributes(parsed.attributes),
    };
  }

  async deleteApp(ref: DeveloperAppRef): Promise<void> {
    try {
      await this.#call('delete app', ref, {
        method: 'DELETE',
        path: this.#appPath(ref),
      });
    } catch (error) {
      // Gone already (a retry after a lost answer) is what was asked for.
      if (error instanceof KeyProviderError && error.kind === 'not-found')
        return;
      throw error;
    }
  }

  /** GET key, whose answer includes the secret; used only to confirm an idempotent import. */
  async #readKeyWithSecret(
    ref: DeveloperAppRef,
    consumerKey: string,
  ): Promise<{ consumerSecret?: string } | undefined> {
    try {
      const { body } = await this.#call('read key', ref, {
        method: 'GET',
        path: this.#keyPath(ref, consumerKey),
        consumerKey,
      });
      const secret = (body as { consumerSecret?: unknown })?.consumerSecret;
      return {
        consumerSecret: typeof secret === 'string' ? secret : undefined,
      };
    } catch (error) {
      if (error instanceof KeyProviderError && error.kind === 'not-found')
        return undefined;
      throw error;
    }
  }

  #developerPath(ref: DeveloperAppRef): string {
    // X identifies developers by their e-mail in lowercase.
    const developer =
      this.#config.flavor === 'x' && ref.developer.includes('@')
        ? ref.developer.toLowerCase()
        : ref.developer;
    return `/developers/${encodeURIComponent(developer)}`;
  }

  #appPath(ref: DeveloperAppRef): string {
    return `${this.#developerPath(ref)}/apps/${encodeURIComponent(ref.app)}`;
  }

  #keyPath(ref: DeveloperAppRef, consumerKey: string): string {
    return `${this.#appPath(ref)}/keys/${encodeURIComponent(consumerKey)}`;
  }

  async #call(
    operation: string,
    ref: DeveloperAppRef,
    options: CallOptions,
  ): Promise<CallResult> {
    const run = () => this.#send(operation, ref, options);
    return this.#limiter ? this.#limiter.schedule(run) : run();
  }

  async #send(
    operation: string,
    ref: DeveloperAppRef,
    options: CallOptions,
    retriedAuth = false,
  ): Promise<CallResult> {
    const { organization, baseUrl, pathStyle, requestTimeoutMs } = this.#config;
    const url = new URL(
      `${baseUrl}/v1/${pathStyle}/${encodeURIComponent(organization)}${
        options.path
      }`,
    );
    if (options.action) url.searchParams.set('action', options.action);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: await this.#auth.authorization(),
    };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.action) {
      headers['Content-Type'] = 'application/octet-stream';
    }
    const what = `Apigee ${operation} for ${
      ref.app ? `app ${ref.app} of ` : 'developer '
    }${ref.developer} in ${organization}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method,
        headers,
        body,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error)?.name === 'TimeoutError';
      throw new KeyProviderError(
        `${what} failed: ${
          timedOut
            ? `no answer within ${requestTimeoutMs} ms`
            : 'the management API could not be reached'
        }`,
        { kind: 'transient', cause: error },
      );
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return { status: response.status, body: parsed };

    if (response.status === 401 && this.#auth.refreshable && !retriedAuth) {
      this.#auth.invalidate();
      return this.#send(operation, ref, options, true);
    }
    const { code, message } = parseErrorBody(parsed);
    const kind = isKeyLimitError(response.status, code, message)
      ? 'key-limit'
      : keyProviderErrorKindForStatus(response.status);
    const retryAfter = Number(response.headers.get('retry-after'));
    let detail =
      [code, message].filter(Boolean).join(': ') || response.statusText;
    if (options.consumerKey) {
      // Belt and braces: an answer that echoes the key must not carry it into our errors.
      detail = detail
        .split(options.consumerKey)
        .join(fingerprint(options.consumerKey));
    }
    throw new KeyProviderError(
      `${what} failed: HTTP ${response.status} ${detail}`,
      {
        kind,
        status: response.status,
        code,
        retryAfterMs:
          Number.isFinite(retryAfter) && retryAfter > 0
            ? retryAfter * 1000
            : undefined,
      },
    );
  }
}
