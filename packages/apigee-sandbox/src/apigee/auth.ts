import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignJWT, decodeJwt, importSPKI, jwtVerify } from 'jose';
import { SandboxRuntimeConfig } from '../config';
import { apigeeErrors } from './errors';
import { ApigeeState } from './state';
import { EdgeUser, Organization } from './types';

/** The Edge SSO client credentials every Edge tool sends: `edgecli:edgeclisecret`. */
export const EDGE_CLIENT_ID = 'edgecli';
export const EDGE_CLIENT_SECRET = 'edgeclisecret';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const CLOUD_PLATFORM_SCOPE =
  'https://www.googleapis.com/auth/cloud-platform';
/** Audiences Google accepts in a service-account assertion, besides the sandbox's own URL. */
const GOOGLE_TOKEN_AUDIENCES = [
  'https://oauth2.googleapis.com/token',
  'https://www.googleapis.com/oauth2/v4/token',
];
const REFRESH_TOKEN_LIFETIME_SECONDS = 24 * 3600;
const ISSUER = 'apigee-sandbox';

/** An OAuth token-endpoint error, rendered as `{error, error_description}`. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export interface EdgeTokenResponse {
  access_token: string;
  token_type: 'bearer';
  refresh_token: string;
  expires_in: number;
  scope: string;
  jti: string;
}

export interface GoogleTokenResponse {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
}

/**
 * Credentials for the management API: Edge Basic auth and the Edge SSO password /
 * refresh grants issuing HS256 JWTs, and for X static bearer tokens plus the
 * Google JWT-bearer grant for service accounts.
 */
export class ApigeeAuth {
  readonly #state: ApigeeState;
  readonly #config: SandboxRuntimeConfig;
  readonly #now: () => Date;
  /** Per process, so tokens never outlive the sandbox that issued them. */
  readonly #signingKey = new Uint8Array(randomBytes(32));
  readonly #googleTokens = new Map<
    string,
    { email: string; expiresAtMs: number }
  >();

  constructor(options: {
    state: ApigeeState;
    config: SandboxRuntimeConfig;
    now?: () => Date;
  }) {
    this.#state = options.state;
    this.#config = options.config;
    this.#now = options.now ?? (() => new Date());
  }

  // ------------------------------------------------------------------ Edge SSO

  /** `POST /oauth/token`: client Basic header, then password or refresh grant. */
  async edgeTokenGrant(
    authorization: string | undefined,
    form: Record<string, string | undefined>,
  ): Promise<EdgeTokenResponse> {
    const client = parseBasic(authorization);
    if (
      !client ||
      client.user !== EDGE_CLIENT_ID ||
      client.password !== EDGE_CLIENT_SECRET
    ) {
      throw new OAuthError(
        401,
        'invalid_client',
        'Client authentication failed: send Basic edgecli:edgeclisecret',
      );
    }
    if (form.grant_type === 'password') return this.#passwordGrant(form);
    if (form.grant_type === 'refresh_token') return this.#refreshGrant(form);
    throw new OAuthError(
      400,
      'unsupported_grant_type',
      `Unsupported grant_type ${JSON.stringify(
        form.grant_type ?? '',
      )}; use password or refresh_token`,
    );
  }

  async #passwordGrant(
    form: Record<string, string | undefined>,
  ): Promise<EdgeTokenResponse> {
    if (!form.username || !form.password) {
      throw new OAuthError(
        400,
        'invalid_request',
        'username and password are required',
      );
    }
    const user = this.#findEdgeUser(form.username);
    if (!user || !safeEqual(user.password, form.password)) {
      throw new OAuthError(401, 'unauthorized', 'Bad credentials');
    }
    if (user.mfaCode !== undefined) {
      if (!form.mfa_token) {
        throw new OAuthError(
          401,
          'unauthorized',
          'This user has MFA enabled: an mfa_token is required',
        );
      }
      if (!safeEqual(user.mfaCode, form.mfa_token)) {
        throw new OAuthError(401, 'unauthorized', 'Invalid mfa_token');
      }
    }
    return this.#issueEdgeTokens(user.username, 'password');
  }

  async #refreshGrant(
    form: Record<string, string | undefined>,
  ): Promise<EdgeTokenResponse> {
    if (!form.refresh_token) {
      throw new OAuthError(400, 'invalid_request', 'refresh_token is required');
    }
    const claims = await this.#verifyEdgeJwt(form.refresh_token, 'refresh');
    if (!claims || !this.#findEdgeUser(claims.user)) {
      throw new OAuthError(
        401,
        'invalid_token',
        'The refresh token is invalid or expired',
      );
    }
    return this.#issueEdgeTokens(claims.user, 'refresh_token');
  }

  async #issueEdgeTokens(
    username: string,
    grantType: string,
  ): Promise<EdgeTokenResponse> {
    const iat = Math.floor(this.#now().getTime() / 1000);
    const lifetime = this.#config.tokenLifetimeSeconds;
    const scope = 'scim.me openid password.write approvals.me oauth.approvals';
    const jti = randomUUID();
    const sign = (use: string, seconds: number, id: string) =>
      new SignJWT({
        user_name: username,
        email: username,
        client_id: EDGE_CLIENT_ID,
        grant_type: grantType,
        scope: scope.split(' '),
        token_use: use,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setSubject(username)
        .setJti(id)
        .setIssuedAt(iat)
        .setExpirationTime(iat + seconds)
        .sign(this.#signingKey);
    return {
      access_token: await sign('access', lifetime, jti),
      token_type: 'bearer',
      refresh_token: await sign(
        'refresh',
        REFRESH_TOKEN_LIFETIME_SECONDS,
        `${jti}-r`,
      ),
      expires_in: lifetime,
      scope,
      jti,
    };
  }

  async #verifyEdgeJwt(
    token: string,
    use: 'access' | 'refresh',
  ): Promise<{ user: string } | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#signingKey, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        currentDate: this.#now(),
      });
      if (payload.token_use !== use || typeof payload.sub !== 'string') {
        return undefined;
      }
      return { user: payload.sub };
    } catch {
      return undefined;
    }
  }

  /** Users are declared per organisation; the SSO service knows all of them. */
  #findEdgeUser(username: string): EdgeUser | undefined {
    for (const org of this.#state.organizations()) {
      if (org.dialect !== 'edge') continue;
      const user = org.users.find(
        u => u.username.toLowerCase() === username.toLowerCase(),
      );
      if (user) return user;
    }
    return undefined;
  }

  /** Checks Basic or Bearer credentials for an Edge organisation. */
  async authenticateEdge(
    authorization: string | undefined,
    org: Organization,
  ): Promise<void> {
    const basic = parseBasic(authorization);
    if (basic) {
      const user = org.users.find(
        u => u.username.toLowerCase() === basic.user.toLowerCase(),
      );
      if (!user || !safeEqual(user.password, basic.password)) {
        throw apigeeErrors.unauthenticated(
          'The username or password is not valid',
        );
      }
      return;
    }
    const bearer = parseBearer(authorization);
    if (!bearer) {
      throw apigeeErrors.unauthenticated(
        'Authentication required: send Basic credentials or a Bearer token from /oauth/token',
      );
    }
    const claims = await this.#verifyEdgeJwt(bearer, 'access');
    if (!claims) {
      throw apigeeErrors.unauthenticated(
        'The access token is invalid or expired',
      );
    }
    if (
      !org.users.some(
        u => u.username.toLowerCase() === claims.user.toLowerCase(),
      )
    ) {
      throw apigeeErrors.permissionDenied(
        `User ${claims.user} has no access to organization ${org.name}`,
      );
    }
  }

  // -------------------------------------------------------------- Google / X

  /** `POST /token` JWT-bearer grant for a seeded service account. */
  async googleTokenGrant(
    form: Record<string, string | undefined>,
    ownTokenUrl: string,
  ): Promise<GoogleTokenResponse> {
    if (form.grant_type !== JWT_BEARER_GRANT) {
      throw new OAuthError(
        400,
        'unsupported_grant_type',
        `grant_type must be ${JWT_BEARER_GRANT}`,
      );
    }
    if (!form.assertion) {
      throw new OAuthError(400, 'invalid_request', 'assertion is required');
    }
    let issuer: unknown;
    try {
      issuer = decodeJwt(form.assertion).iss;
    } catch {
      throw new OAuthError(400, 'invalid_grant', 'The assertion is not a JWT');
    }
    const account = this.#state
      .organizations()
      .filter(o => o.dialect === 'x')
      .flatMap(o => o.serviceAccounts)
      .find(a => a.email === issuer);
    if (!account) {
      throw new OAuthError(
        400,
        'invalid_grant',
        `Unknown service account ${String(issuer)}`,
      );
    }
    let payload;
    try {
      const publicKey = await importSPKI(account.publicKeyPem, 'RS256');
      ({ payload } = await jwtVerify(form.assertion, publicKey, {
        algorithms: ['RS256'],
        audience: [...GOOGLE_TOKEN_AUDIENCES, ownTokenUrl],
        currentDate: this.#now(),
        requiredClaims: ['iat', 'exp'],
      }));
    } catch (error) {
      throw new OAuthError(
        400,
        'invalid_grant',
        `Invalid JWT: ${(error as Error).message}`,
      );
    }
    if ((payload.exp as number) - (payload.iat as number) > 3600) {
      throw new OAuthError(
        400,
        'invalid_grant',
        'Invalid JWT: the assertion may be valid for at most one hour',
      );
    }
    const scopes = String(payload.scope ?? '').split(/\s+/);
    if (!scopes.includes(CLOUD_PLATFORM_SCOPE)) {
      throw new OAuthError(
        400,
        'invalid_scope',
        `The assertion must request the scope ${CLOUD_PLATFORM_SCOPE}`,
      );
    }
    const expiresIn = this.#config.googleTokenLifetimeSeconds;
    const accessToken = `ya29.sandbox-${randomBytes(24).toString('base64url')}`;
    this.#pruneGoogleTokens();
    this.#googleTokens.set(accessToken, {
      email: account.email,
      expiresAtMs: this.#now().getTime() + expiresIn * 1000,
    });
    return {
      access_token: accessToken,
      expires_in: expiresIn,
      token_type: 'Bearer',
    };
  }

  /** Checks a Bearer token for an X organisation: seeded static token or issued Google token. */
  authenticateX(authorization: string | undefined, org: Organization): void {
    const bearer = parseBearer(authorization);
    if (!bearer) {
      throw apigeeErrors.unauthenticated(
        'Request is missing a valid OAuth 2 bearer token',
      );
    }
    if (org.accessTokens.some(t => safeEqual(t, bearer))) return;
    const issued = this.#googleTokens.get(bearer);
    if (!issued || issued.expiresAtMs <= this.#now().getTime()) {
      throw apigeeErrors.unauthenticated(
        'Request had an invalid or expired OAuth 2 bearer token',
      );
    }
    if (!org.serviceAccounts.some(a => a.email === issued.email)) {
      throw apigeeErrors.permissionDenied(
        `Permission denied on resource "organizations/${org.name}" (or it may not exist)`,
      );
    }
  }

  #pruneGoogleTokens(): void {
    const now = this.#now().getTime();
    for (const [token, entry] of this.#googleTokens) {
      if (entry.expiresAtMs <= now) this.#googleTokens.delete(token);
    }
  }
}

export function parseBasic(
  authorization: string | undefined,
): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function parseBearer(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Constant-time comparison, so that password checks do not leak timing. */
function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
