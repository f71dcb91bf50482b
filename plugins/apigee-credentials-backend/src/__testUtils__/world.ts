import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { ConfigReader, JsonObject } from '@backstage/config';
import {
  RunningSandbox,
  SandboxSeed,
  startSandbox,
} from '@keyrotation/apigee-sandbox';
import { KeyProvider } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { Knex } from 'knex';
import { EngineHooks } from '../engine/context';
import { createRotationEngine } from '../engine/createRotationEngine';
import { RotationEngine } from '../engine/RotationEngine';
import { EngineSettings } from '../engine/settings';
import { CredentialBinding, RotationEvent } from '../engine/types';
import { databaseService } from './databases';
import { CapturingLogger } from './logger';

export const ACCOUNT_ID = '111111111111';
export const OTHER_ACCOUNT_ID = '222222222222';
export const REGION = 'eu-west-1';
export const EDGE_USER = {
  username: 'rotator@example.com',
  password: 'rotator-password',
};
export const EDGE_MFA_USER = {
  username: 'mfa-rotator@example.com',
  password: 'mfa-rotator-password',
  mfaCode: '424242',
};
export const X_STATIC_TOKEN = 'sandbox-test-x-token';
export const SERVICE_ACCOUNT_EMAIL = 'rotator@acme-x.iam.gserviceaccount.com';

export type Flavor = 'edge' | 'edge-tight' | 'x';

const ORG: Record<Flavor, string> = {
  edge: 'acme-edge',
  'edge-tight': 'tight-edge',
  x: 'acme-x',
};

type ProductSpec =
  | string
  | { name: string; status: 'approved' | 'pending' | 'revoked' };

/** One credential to seed: a developer, an app with its current key, and a secret holding it. */
export interface ScenarioSpec {
  name: string;
  flavor: Flavor;
  /** Products of the current key; `[orders-api]` by default. */
  products?: ProductSpec[];
  keyStatus?: 'approved' | 'revoked';
  expiresAt?: number;
  appStatus?: 'approved' | 'revoked';
  /** Other keys already in the app. */
  extraKeys?: Array<{
    status?: 'approved' | 'revoked';
    issuedAt?: number;
    products?: ProductSpec[];
  }>;
  /** Whether the current key is in the app at all (default true). */
  keyInApp?: boolean;
  /** Replaces the secret's value (e.g. to make it malformed). */
  secretValue?: string | Record<string, unknown>;
  /** Proxy path the probe calls; `/orders` by default, null for no probe. */
  probePath?: string | null;
  gracePeriod?: CredentialBinding['gracePeriod'];
  /**
   * Whether the secret's tag and the app's attribute name the binding's entity (default
   * true); false leaves the credential unproven, as for a binding to someone else's targets.
   */
  ownershipMarks?: boolean;
  /**
   * A second consumer of another scenario's app: this scenario's key is one more key of
   * that app (issued `issuedAt`, default 30 days ago), with a secret of its own.
   */
  appOf?: string;
  issuedAt?: number;
}

/** Traffic checks on the sandbox's analytics, whose calls show at once unless told otherwise. */
const ANALYTICS = { environments: ['prod'], delay: { milliseconds: 300 } };

/** The default ownership mark names (`apigeeCredentials.ownership`). */
export const OWNER_TAG = 'apigee-credentials:owner';
export const OWNER_ATTRIBUTE = 'apigee-credentials-owner';

/** The entity a scenario's binding belongs to. */
export function entityRefOf(name: string): string {
  return `component:default/${name}`;
}

/** Random key material in Apigee's alphabet, prefixed to be recognisable in failures. */
export function material(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`.replace(/^-/, 'x');
}

export interface Scenario {
  spec: ScenarioSpec;
  org: string;
  developer: string;
  app: string;
  secretName: string;
  initialKey: string;
  initialSecret: string;
  binding: CredentialBinding;
}

function buildSeed(
  scenarios: Scenario[],
  servicePublicKeyPem: string,
): SandboxSeed {
  const currentKey = (s: Scenario) => ({
    consumerKey: s.initialKey,
    consumerSecret: s.initialSecret,
    status: s.spec.keyStatus ?? 'approved',
    issuedAt: s.spec.issuedAt ?? Date.now() - 30 * 24 * 3600_000,
    expiresAt: s.spec.expiresAt ?? -1,
    apiProducts: s.spec.products ?? ['orders-api'],
  });
  const developers = (flavor: Flavor) =>
    scenarios
      .filter(s => s.spec.flavor === flavor && !s.spec.appOf)
      .map(s => ({
        email: s.developer,
        apps: [
          {
            name: s.app,
            status: s.spec.appStatus ?? 'approved',
            attributes:
              s.spec.ownershipMarks === false
                ? []
                : [
                    {
                      name: OWNER_ATTRIBUTE,
                      // Every consumer of the app: a mark may name several entities.
                      value: [
                        s,
                        ...scenarios.filter(o => o.spec.appOf === s.spec.name),
                      ]
                        .map(o => entityRefOf(o.spec.name))
                        .join(' '),
                    },
                  ],
            credentials: [
              ...(s.spec.keyInApp === false ? [] : [currentKey(s)]),
              ...scenarios
                .filter(other => other.spec.appOf === s.spec.name)
                .map(currentKey),
              ...(s.spec.extraKeys ?? []).map(extra => ({
                consumerKey: material('extra_'),
                consumerSecret: material('extrasecret_'),
                status: extra.status ?? 'approved',
                issuedAt: extra.issuedAt ?? Date.now() - 60 * 24 * 3600_000,
                apiProducts: extra.products ?? ['orders-api'],
              })),
            ],
          },
        ],
      }));
  const proxies = [
    { name: 'orders-proxy', basePath: '/orders', apiProducts: ['orders-api'] },
    { name: 'admin-proxy', basePath: '/admin', apiProducts: ['admin-api'] },
    {
      name: 'basic-proxy',
      basePath: '/basic',
      apiProducts: ['orders-api'],
      apiKey: { in: 'basic' as const },
    },
  ].map(p => ({ apiKey: { in: 'header' as const, name: 'x-apikey' }, ...p }));
  return {
    apigee: {
      organizations: [
        {
          name: ORG.edge,
          dialect: 'edge',
          maxKeysPerApp: 10,
          users: [EDGE_USER, EDGE_MFA_USER],
          apiProducts: [
            { name: 'orders-api', approvalType: 'auto' },
            { name: 'admin-api', approvalType: 'manual' },
            { name: 'reports-api', approvalType: 'auto' },
          ],
          developers: developers('edge'),
          proxies,
        },
        {
          name: ORG['edge-tight'],
          dialect: 'edge',
          maxKeysPerApp: 3,
          users: [EDGE_USER],
          apiProducts: [{ name: 'orders-api', approvalType: 'auto' }],
          developers: developers('edge-tight'),
          proxies: proxies.filter(p => p.name === 'orders-proxy'),
        },
        {
          name: ORG.x,
          dialect: 'x',
          maxKeysPerApp: 10,
          accessTokens: [X_STATIC_TOKEN],
          serviceAccounts: [
            { email: SERVICE_ACCOUNT_EMAIL, publicKeyPem: servicePublicKeyPem },
          ],
          apiProducts: [
            { name: 'orders-api', approvalType: 'auto' },
            { name: 'admin-api', approvalType: 'manual' },
          ],
          developers: developers('x'),
          proxies,
        },
      ],
    },
    aws: {
      accounts: [
        { accountId: ACCOUNT_ID, accessKeyId: 'TESTTESTACCOUNT11111' },
        { accountId: OTHER_ACCOUNT_ID, accessKeyId: 'TESTTESTACCOUNT22222' },
      ],
      secrets: scenarios.flatMap(s => [
        {
          account: ACCOUNT_ID,
          region: REGION,
          name: s.secretName,
          tags:
            s.spec.ownershipMarks === false
              ? undefined
              : { [OWNER_TAG]: entityRefOf(s.spec.name) },
          value: s.spec.secretValue ?? {
            consumerKey: s.initialKey,
            consumerSecret: s.initialSecret,
            note: 'kept by rotation',
          },
        },
        {
          // The same secret name in an account the plugin must not write to.
          account: OTHER_ACCOUNT_ID,
          region: REGION,
          name: s.secretName,
          value: { consumerKey: s.initialKey, consumerSecret: s.initialSecret },
        },
      ]),
    },
  };
}

/**
 * A sandbox seeded with one app + secret per scenario, the engine config pointing at it,
 * and helpers to look at Apigee, Secrets Manager and the gateway from the outside.
 */
export class TestWorld {
  readonly logger = new CapturingLogger();
  readonly events: RotationEvent[] = [];
  /** Every consumer key and secret that ever existed in the sandbox (for leak scans). */
  readonly keyMaterial = new Set<string>();
  readonly scenarios = new Map<string, Scenario>();
  readonly #servicePrivateKeyPem: string;
  #sandbox?: RunningSandbox;

  constructor(specs: ScenarioSpec[]) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#servicePrivateKeyPem = privateKey
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const spec of specs) {
      const owner = spec.appOf ?? spec.name;
      const developer = `${owner}@example.com`;
      this.scenarios.set(spec.name, {
        spec,
        org: ORG[spec.flavor],
        developer,
        app: `${owner}-app`,
        secretName: `svc/${spec.name}`,
        initialKey: material('initkey_'),
        initialSecret: material('initsecret_'),
        binding: undefined as unknown as CredentialBinding,
      });
    }
  }

  /**
   * `trackKeyMaterial: false` skips collecting every key ever issued on each change (for
   * leak checks); the benchmarks' sandbox does not check leaks, and the collection walks the
   * whole state, so it would cost more the more credentials there are.
   */
  async start(options?: {
    propagationDelayMs?: number;
    trackKeyMaterial?: boolean;
  }): Promise<this> {
    const publicKeyPem = createPublicKey(this.#servicePrivateKeyPem)
      .export({ type: 'spki', format: 'pem' })
      .toString();
    this.#sandbox = await startSandbox({
      port: 0,
      seed: buildSeed([...this.scenarios.values()], publicKeyPem),
      propagationDelayMs: options?.propagationDelayMs ?? 0,
    });
    if (options?.trackKeyMaterial !== false) {
      this.#sandbox.apigee.onChange(() => this.#collectKeyMaterial());
      this.#collectKeyMaterial();
    }
    for (const scenario of this.scenarios.values()) {
      scenario.binding = this.#binding(scenario);
    }
    return this;
  }

  async stop(): Promise<void> {
    await this.#sandbox?.stop();
  }

  get sandbox(): RunningSandbox {
    if (!this.#sandbox) throw new Error('TestWorld not started');
    return this.#sandbox;
  }

  get url(): string {
    return this.sandbox.url;
  }

  scenario(name: string): Scenario {
    const scenario = this.scenarios.get(name);
    if (!scenario) throw new Error(`No scenario ${name}`);
    return scenario;
  }

  #binding(scenario: Scenario): CredentialBinding {
    const provider = scenario.spec.flavor;
    const probePath =
      scenario.spec.probePath === undefined
        ? '/orders'
        : scenario.spec.probePath;
    return {
      id: `component:default/${scenario.spec.name}#prod`,
      entityRef: entityRefOf(scenario.spec.name),
      environment: 'prod',
      provider,
      developer: scenario.developer,
      app: scenario.app,
      secret: {
        name: scenario.secretName,
        accountId: ACCOUNT_ID,
        region: REGION,
      },
      gracePeriod: scenario.spec.gracePeriod,
      probe:
        probePath === null
          ? undefined
          : {
              url: `${this.url}/gateway/${scenario.org}${probePath}`,
              key:
                probePath === '/basic'
                  ? { in: 'basic' }
                  : { in: 'header', name: 'x-apikey' },
            },
    };
  }

  /** Root config for the engine: providers on the sandbox, AWS accounts and allow-list. */
  configData(rotation?: JsonObject): JsonObject {
    return {
      aws: {
        accounts: [
          {
            accountId: ACCOUNT_ID,
            accessKeyId: 'TESTTESTACCOUNT11111',
            secretAccessKey: 'test-secret-access-key',
          },
          {
            accountId: OTHER_ACCOUNT_ID,
            accessKeyId: 'TESTTESTACCOUNT22222',
            secretAccessKey: 'test-secret-access-key',
          },
        ],
      },
      apigeeCredentials: {
        providers: [
          {
            name: 'edge',
            type: 'edge',
            organization: ORG.edge,
            baseUrl: this.url,
            requestTimeout: { seconds: 5 },
            auth: { type: 'basic', ...EDGE_USER },
            analytics: ANALYTICS,
          },
          {
            name: 'edge-tight',
            type: 'edge',
            organization: ORG['edge-tight'],
            baseUrl: this.url,
            pathStyle: 'o',
            maxKeysPerApp: 3,
            requestTimeout: { seconds: 5 },
            auth: { type: 'basic', ...EDGE_USER },
            analytics: ANALYTICS,
          },
          {
            name: 'x',
            type: 'x',
            organization: ORG.x,
            baseUrl: this.url,
            requestTimeout: { seconds: 5 },
            auth: {
              type: 'serviceAccount',
              credentials: JSON.stringify({
                type: 'service_account',
                client_email: SERVICE_ACCOUNT_EMAIL,
                private_key: this.#servicePrivateKeyPem,
              }),
              tokenUrl: `${this.url}/token`,
            },
            analytics: ANALYTICS,
          },
        ],
        aws: {
          allowedAccountIds: [ACCOUNT_ID],
          endpoint: this.url,
          requestTimeout: { seconds: 5 },
        },
        rotation: {
          gracePeriod: { seconds: 2 },
          // Tests use seconds; the floors for bindings are tested on their own.
          minimumMaxAge: { milliseconds: 0 },
          minimumGracePeriod: { milliseconds: 0 },
          leaseDuration: { seconds: 2 },
          keyPropagationDelay: { milliseconds: 0 },
          testTimeout: { seconds: 5 },
          testInterval: { milliseconds: 100 },
          probeRequestTimeout: { seconds: 2 },
          allowedProbeUrlPrefixes: [`${this.url}/gateway/`],
          retry: {
            maxDuration: { seconds: 2 },
            initialDelay: { milliseconds: 20 },
            maxDelay: { milliseconds: 200 },
          },
          ...rotation,
        },
      },
    };
  }

  config(rotation?: JsonObject, patch?: (data: any) => void): ConfigReader {
    const data = this.configData(rotation);
    patch?.(data);
    return new ConfigReader(data);
  }

  async createEngine(options: {
    knex: Knex;
    rotation?: JsonObject;
    /** Edits the config data before use (e.g. request timeouts). */
    configPatch?: (data: any) => void;
    settings?: Partial<EngineSettings>;
    hooks?: EngineHooks;
    instanceId?: string;
    keyProviders?: KeyProvider[];
  }): Promise<RotationEngine> {
    return createRotationEngine({
      config: this.config(options.rotation, options.configPatch),
      database: databaseService(options.knex),
      logger: this.logger,
      settings: options.settings,
      hooks: options.hooks,
      instanceId: options.instanceId,
      keyProviders: options.keyProviders,
      onEvent: event => this.events.push(event),
    });
  }

  // ------------------------------------------------------------ looking from outside

  /** Keys of the scenario's app, as Apigee's management plane holds them. */
  appKeys(name: string) {
    const s = this.scenario(name);
    return this.sandbox.apigee.getApp(s.org, s.developer, s.app).app
      .credentials;
  }

  /** All versions of the scenario's secret in the allowed account. */
  secretVersions(name: string, accountId = ACCOUNT_ID) {
    const s = this.scenario(name);
    const secret = this.sandbox.secrets
      .toJSON()
      .secrets.find(x => x.name === s.secretName && x.accountId === accountId);
    if (!secret) throw new Error(`No secret ${s.secretName}`);
    return secret.versions;
  }

  secretArn(name: string): string {
    const s = this.scenario(name);
    return this.sandbox.secrets
      .toJSON()
      .secrets.find(x => x.name === s.secretName && x.accountId === ACCOUNT_ID)!
      .arn;
  }

  /** The parsed value of the version holding `stage`, or undefined. */
  secretValue(
    name: string,
    stage = 'AWSCURRENT',
  ): Record<string, string> | undefined {
    const version = this.secretVersions(name).find(v =>
      v.stages.includes(stage),
    );
    return version?.secretString ? JSON.parse(version.secretString) : undefined;
  }

  /** Versions carrying AWSPENDING (must be none after any rotation). */
  pendingVersions(name: string) {
    return this.secretVersions(name).filter(v =>
      v.stages.includes('AWSPENDING'),
    );
  }

  /** Calls the scenario's proxy with a key; true when the gateway accepts it. */
  async gatewayAccepts(
    name: string,
    consumerKey: string,
    path = '/orders',
  ): Promise<boolean> {
    const s = this.scenario(name);
    const response = await fetch(`${this.url}/gateway/${s.org}${path}`, {
      headers: { 'x-apikey': consumerKey },
    });
    await response.text();
    return response.status === 200;
  }

  /** Whether AWSCURRENT's key is accepted by the gateway right now (the invariant). */
  async currentWorks(name: string): Promise<boolean> {
    const value = this.secretValue(name);
    return value ? this.gatewayAccepts(name, value.consumerKey) : false;
  }

  #collectKeyMaterial(): void {
    for (const org of this.sandbox.apigee.toJSON().organizations) {
      for (const developer of org.developers) {
        for (const app of developer.apps) {
          for (const key of app.credentials) {
            this.keyMaterial.add(key.consumerKey);
            this.keyMaterial.add(key.consumerSecret);
          }
        }
      }
    }
  }

  /** Key material of Apigee plus every key/secret field of every secret version. */
  allSecretValues(): string[] {
    this.#collectKeyMaterial();
    const values = new Set(this.keyMaterial);
    for (const secret of this.sandbox.secrets.toJSON().secrets) {
      for (const version of secret.versions) {
        try {
          const parsed = JSON.parse(version.secretString ?? '{}');
          for (const field of [
            'consumerKey',
            'consumerSecret',
            'apiKey',
            'apiSecret',
          ]) {
            if (typeof parsed[field] === 'string') values.add(parsed[field]);
          }
        } catch {
          // not JSON: nothing to collect
        }
      }
    }
    return [...values].filter(v => v.length >= 8);
  }
}
