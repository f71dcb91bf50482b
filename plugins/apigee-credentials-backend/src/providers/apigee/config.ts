import { Config } from '@backstage/config';
import { readDurationMs } from '../../engine/durations';

/** How the plugin authenticates to an Apigee management API. */
export type ApigeeAuthConfig =
  /** Edge/OPDK: HTTP Basic on every call. */
  | { type: 'basic'; username: string; password: string }
  /** Edge SSO OAuth2 password grant, optional MFA code, refreshed before expiry. */
  | {
      type: 'oauth';
      username: string;
      password: string;
      mfaToken?: string;
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
    }
  /** Apigee X/hybrid: Google service account through google-auth-library. */
  | {
      type: 'serviceAccount';
      clientEmail: string;
      privateKey: string;
      /** Token endpoint override (the sandbox); Google's own endpoint otherwise. */
      tokenUrl?: string;
    }
  /** Apigee X/hybrid: a ready access token (e.g. injected by the platform). */
  | { type: 'accessToken'; token: string };

/** One configured Apigee organisation acting as a key provider. */
export interface ApigeeProviderConfig {
  name: string;
  flavor: 'edge' | 'x';
  organization: string;
  /** Management API root, without `/v1`. */
  baseUrl: string;
  /** Edge only: `/v1/organizations/{org}` (default) or the `/v1/o/{org}` alias. */
  pathStyle: 'organizations' | 'o';
  maxKeysPerApp?: number;
  requestTimeoutMs: number;
  /** Client-side rate limit; X enforces 6,000 calls per minute per organisation. */
  maxRequestsPerSecond?: number;
  auth: ApigeeAuthConfig;
  /** Traffic checks before an old key is deleted (see docs/key-retirement.md). */
  analytics: ApigeeAnalyticsConfig;
}

export interface ApigeeAnalyticsConfig {
  /** false: old keys are deleted when their grace period ends, without traffic checks. */
  enabled: boolean;
  /** Environments whose calls count; none: traffic checks cannot answer and keys wait. */
  environments: string[];
  /** How long after a call Apigee analytics shows it. */
  delayMs: number;
}

/** Edge documents about 12 minutes before calls show in analytics; X is similar. */
export const DEFAULT_ANALYTICS_DELAY_MS = 15 * 60_000;

export const DEFAULT_EDGE_BASE_URL = 'https://api.enterprise.apigee.com';
export const DEFAULT_X_BASE_URL = 'https://apigee.googleapis.com';
export const DEFAULT_EDGE_TOKEN_URL = 'https://login.apigee.com/oauth/token';
/** The public client every Edge tool uses for the SSO token endpoint. */
export const EDGE_SSO_CLIENT = { id: 'edgecli', secret: 'edgeclisecret' };

const PROVIDER_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/** Reads `apigeeCredentials.providers`; every mistake is reported with its config path. */
export function readApigeeProviderConfigs(
  config: Config,
): ApigeeProviderConfig[] {
  const entries =
    config.getOptionalConfigArray('apigeeCredentials.providers') ?? [];
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const where = `apigeeCredentials.providers[${index}]`;
    const provider = readProvider(entry, where);
    if (seen.has(provider.name)) {
      throw new Error(`${where}: provider name ${provider.name} is used twice`);
    }
    seen.add(provider.name);
    return provider;
  });
}

function readProvider(entry: Config, where: string): ApigeeProviderConfig {
  const name = entry.getString('name');
  if (!PROVIDER_NAME.test(name)) {
    throw new Error(
      `${where}.name must be 1-63 letters, digits, '.', '_' or '-'`,
    );
  }
  const flavor = entry.getString('type');
  if (flavor !== 'edge' && flavor !== 'x') {
    throw new Error(`${where}.type must be edge or x, got ${flavor}`);
  }
  const pathStyle = entry.getOptionalString('pathStyle') ?? 'organizations';
  if (pathStyle !== 'organizations' && pathStyle !== 'o') {
    throw new Error(`${where}.pathStyle must be organizations or o`);
  }
  if (flavor === 'x' && pathStyle === 'o') {
    throw new Error(`${where}.pathStyle o exists on Apigee Edge only`);
  }
  const maxKeysPerApp = entry.getOptionalNumber('maxKeysPerApp');
  if (
    maxKeysPerApp !== undefined &&
    (!Number.isInteger(maxKeysPerApp) || maxKeysPerApp < 2)
  ) {
    throw new Error(`${where}.maxKeysPerApp must be an integer of at least 2`);
  }
  const maxRequestsPerSecond = entry.getOptionalNumber('maxRequestsPerSecond');
  if (maxRequestsPerSecond !== undefined && !(maxRequestsPerSecond > 0)) {
    throw new Error(`${where}.maxRequestsPerSecond must be positive`);
  }
  const requestTimeoutMs = readDurationMs(entry, 'requestTimeout', 30_000);
  return {
    name,
    flavor,
    organization: entry.getString('organization'),
    baseUrl: (
      entry.getOptionalString('baseUrl') ??
      (flavor === 'edge' ? DEFAULT_EDGE_BASE_URL : DEFAULT_X_BASE_URL)
    ).replace(/\/+$/, ''),
    pathStyle,
    maxKeysPerApp,
    requestTimeoutMs,
    maxRequestsPerSecond,
    auth: readAuth(entry.getConfig('auth'), `${where}.auth`, flavor),
    analytics: readAnalytics(entry, `${where}.analytics`),
  };
}

function readAnalytics(entry: Config, where: string): ApigeeAnalyticsConfig {
  const analytics = entry.getOptionalConfig('analytics');
  const environments = analytics?.getOptionalStringArray('environments') ?? [];
  for (const environment of environments) {
    if (!/^[a-z0-9][a-z0-9_-]*$/i.test(environment)) {
      throw new Error(
        `${where}.environments: ${environment} is not an Apigee environment name`,
      );
    }
  }
  const delayMs = readDurationMs(
    analytics,
    'delay',
    DEFAULT_ANALYTICS_DELAY_MS,
  );
  if (!(delayMs >= 0)) {
    throw new Error(`${where}.delay must not be negative`);
  }
  return {
    enabled: analytics?.getOptionalBoolean('enabled') ?? true,
    environments,
    delayMs,
  };
}

function readAuth(
  auth: Config,
  where: string,
  flavor: 'edge' | 'x',
): ApigeeAuthConfig {
  const type = auth.getString('type');
  const allowed =
    flavor === 'edge' ? ['basic', 'oauth'] : ['serviceAccount', 'accessToken'];
  if (!allowed.includes(type)) {
    throw new Error(
      `${where}.type must be one of ${allowed.join(
        ', ',
      )} for an ${flavor} provider, got ${type}`,
    );
  }
  switch (type) {
    case 'basic':
      return {
        type,
        username: auth.getString('username'),
        password: auth.getString('password'),
      };
    case 'oauth':
      return {
        type,
        username: auth.getString('username'),
        password: auth.getString('password'),
        mfaToken: auth.getOptionalString('mfaToken'),
        tokenUrl: auth.getOptionalString('tokenUrl') ?? DEFAULT_EDGE_TOKEN_URL,
        clientId: auth.getOptionalString('clientId') ?? EDGE_SSO_CLIENT.id,
        clientSecret:
          auth.getOptionalString('clientSecret') ?? EDGE_SSO_CLIENT.secret,
      };
    case 'serviceAccount':
      return { type, ...readServiceAccount(auth, where) };
    default:
      return { type: 'accessToken', token: auth.getString('token') };
  }
}

/** A service-account key: the JSON key file's content, or its two fields given separately. */
function readServiceAccount(
  auth: Config,
  where: string,
): { clientEmail: string; privateKey: string; tokenUrl?: string } {
  const tokenUrl = auth.getOptionalString('tokenUrl');
  const json = auth.getOptionalString('credentials');
  if (json !== undefined) {
    let parsed: { client_email?: unknown; private_key?: unknown };
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new Error(`${where}.credentials is not a JSON service-account key`);
    }
    if (
      typeof parsed.client_email !== 'string' ||
      typeof parsed.private_key !== 'string'
    ) {
      throw new Error(
        `${where}.credentials must hold client_email and private_key (a service-account key file)`,
      );
    }
    return {
      clientEmail: parsed.client_email,
      privateKey: parsed.private_key,
      tokenUrl,
    };
  }
  return {
    clientEmail: auth.getString('clientEmail'),
    privateKey: auth.getString('privateKey'),
    tokenUrl,
  };
}
