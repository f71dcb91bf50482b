import { KeyProviderError } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { JWT } from 'google-auth-library';
import { ApigeeAuthConfig } from './config';

/** Produces the Authorization header of management-API calls. */
export interface ApigeeAuthenticator {
  authorization(): Promise<string>;
  /** Called after a 401: drop any cached token so the next call gets a fresh one. */
  invalidate(): void;
  /** Whether a 401 can be cured by {@link ApigeeAuthenticator.invalidate} and one more try. */
  readonly refreshable: boolean;
}

export const CLOUD_PLATFORM_SCOPE =
  'https://www.googleapis.com/auth/cloud-platform';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Renew a token this long before it expires, so no call goes out with a dying token. */
const REFRESH_MARGIN_MS = 60_000;

function basicAuthenticator(
  username: string,
  password: string,
): ApigeeAuthenticator {
  const header = `Basic ${Buffer.from(`${username}:${password}`).toString(
    'base64',
  )}`;
  return {
    refreshable: false,
    authorization: async () => header,
    invalidate: () => {},
  };
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
  refreshToken?: string;
  refreshExpiresAt?: number;
}

/**
 * Edge SSO OAuth2: the password grant (with `mfa_token` when configured) gives
 * an access and a refresh token; the access token is renewed with the refresh grant before
 * it expires, falling back to the password grant when the refresh token is refused.
 */
export class EdgeOAuthAuthenticator implements ApigeeAuthenticator {
  readonly refreshable = true;
  #token?: CachedToken;
  #pending?: Promise<CachedToken>;
  readonly #now: () => number;

  constructor(
    private readonly config: Extract<ApigeeAuthConfig, { type: 'oauth' }>,
    private readonly options: { requestTimeoutMs: number; now?: () => number },
  ) {
    this.#now = options.now ?? Date.now;
  }

  async authorization(): Promise<string> {
    const token = this.#token;
    if (token && token.expiresAt - REFRESH_MARGIN_MS > this.#now()) {
      return `Bearer ${token.accessToken}`;
    }
    // One token request at a time, shared by concurrent callers.
    this.#pending ??= this.#renew(token).finally(() => {
      this.#pending = undefined;
    });
    this.#token = await this.#pending;
    return `Bearer ${this.#token.accessToken}`;
  }

  invalidate(): void {
    if (this.#token) this.#token = { ...this.#token, expiresAt: 0 };
  }

  async #renew(previous: CachedToken | undefined): Promise<CachedToken> {
    if (
      previous?.refreshToken &&
      (previous.refreshExpiresAt ?? Infinity) - REFRESH_MARGIN_MS > this.#now()
    ) {
      try {
        return await this.#grant({
          grant_type: 'refresh_token',
          refresh_token: previous.refreshToken,
        });
      } catch (error) {
        if ((error as KeyProviderError).kind === 'transient') throw error;
        // The refresh token was refused: log in again below.
      }
    }
    const form: Record<string, string> = {
      grant_type: 'password',
      username: this.config.username,
      password: this.config.password,
    };
    if (this.config.mfaToken) form.mfa_token = this.config.mfaToken;
    return this.#grant(form);
  }

  async #grant(form: Record<string, string>): Promise<CachedToken> {
    const client = Buffer.from(
      `${this.config.clientId}:${this.config.clientSecret}`,
    ).toString('base64');
    let response: Response;
    try {
      response = await fetch(this.config.tokenUrl, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${client}`,
          Accept: 'application/json;charset=utf-8',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      throw new KeyProviderError(
        `The Edge SSO token endpoint ${this.config.tokenUrl} could not be reached`,
        { kind: 'transient', cause: error },
      );
    }
    const body = (await response.json().catch(() => ({}))) as Record<
      string,
      unknown
    >;
    if (response.status !== 200 || typeof body.access_token !== 'string') {
      const status = response.status;
      let reason = 'no access_token in the answer';
      if (typeof body.error_description === 'string')
        reason = body.error_description;
      else if (typeof body.error === 'string') reason = body.error;
      throw new KeyProviderError(
        `The Edge SSO token endpoint refused the ${form.grant_type} grant for ${this.config.username}: HTTP ${status}: ${reason}`,
        {
          kind: status === 429 || status >= 500 ? 'transient' : 'unauthorized',
          status,
        },
      );
    }
    const now = this.#now();
    const accessToken = body.access_token;
    const refreshToken =
      typeof body.refresh_token === 'string' ? body.refresh_token : undefined;
    // The JWT's own exp claim is more reliable than the wrapper's expires_in.
    const expiresAt =
      jwtExpiry(accessToken) ??
      now +
        (typeof body.expires_in === 'number' ? body.expires_in : 1799) * 1000;
    return {
      accessToken,
      expiresAt,
      refreshToken,
      refreshExpiresAt: refreshToken ? jwtExpiry(refreshToken) : undefined,
    };
  }
}

/** The `exp` claim of a JWT in milliseconds, when the token is a readable JWT. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(
      Buffer.from(parts[1], 'base64url').toString('utf8'),
    );
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Apigee X / hybrid with a Google service account: google-auth-library signs the
 * JWT-bearer assertion, fetches the access token and renews it before it expires. A
 * `tokenUrl` override (the sandbox) redirects only the token request.
 */
export class GoogleServiceAccountAuthenticator implements ApigeeAuthenticator {
  readonly refreshable = true;
  readonly #client: JWT;

  constructor(config: Extract<ApigeeAuthConfig, { type: 'serviceAccount' }>) {
    const tokenUrl = config.tokenUrl;
    this.#client = new JWT({
      email: config.clientEmail,
      key: config.privateKey,
      scopes: [CLOUD_PLATFORM_SCOPE],
      ...(tokenUrl && tokenUrl !== GOOGLE_TOKEN_URL
        ? {
            transporterOptions: {
              fetchImplementation: (input, init) =>
                fetch(
                  String(input instanceof Request ? input.url : input) ===
                    GOOGLE_TOKEN_URL
                    ? tokenUrl
                    : input,
                  init,
                ),
            },
          }
        : {}),
    });
  }

  async authorization(): Promise<string> {
    let token: string | null | undefined;
    try {
      ({ token } = await this.#client.getAccessToken());
    } catch (error) {
      const status = (
        error as { status?: number; response?: { status?: number } }
      ).response?.status;
      throw new KeyProviderError(
        `Google refused an access token for service account ${
          this.#client.email
        }: ${(error as Error).message}`,
        {
          kind:
            status === undefined || status === 429 || status >= 500
              ? 'transient'
              : 'unauthorized',
          status,
        },
      );
    }
    if (!token) {
      throw new KeyProviderError(
        `Google returned no access token for service account ${
          this.#client.email
        }`,
        { kind: 'unauthorized' },
      );
    }
    return `Bearer ${token}`;
  }

  invalidate(): void {
    this.#client.credentials = {};
  }
}

/** The authenticator a provider config asks for. */
export function createApigeeAuthenticator(
  auth: ApigeeAuthConfig,
  options: { requestTimeoutMs: number; now?: () => number },
): ApigeeAuthenticator {
  switch (auth.type) {
    case 'basic':
      return basicAuthenticator(auth.username, auth.password);
    case 'oauth':
      return new EdgeOAuthAuthenticator(auth, options);
    case 'serviceAccount':
      return new GoogleServiceAccountAuthenticator(auth);
    default:
      return {
        refreshable: false,
        authorization: async () => `Bearer ${auth.token}`,
        invalidate: () => {},
      };
  }
}
