import { ConfigReader, JsonObject } from '@backstage/config';
import {
  KeyProviderError,
  fingerprint,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import {
  EDGE_MFA_USER,
  TestWorld,
  X_STATIC_TOKEN,
  material,
} from '../../__testUtils__/world';
import { ApigeeKeyProvider } from './ApigeeKeyProvider';
import { EdgeOAuthAuthenticator } from './auth';
import { ApigeeProviderConfig, readApigeeProviderConfigs } from './config';

jest.setTimeout(30_000);

const world = new TestWorld([
  { name: 'edge-basic', flavor: 'edge' },
  { name: 'edge-o', flavor: 'edge' },
  { name: 'edge-oauth', flavor: 'edge' },
  { name: 'edge-limit', flavor: 'edge-tight', extraKeys: [{}, {}] },
  { name: 'x-sa', flavor: 'x' },
  { name: 'x-token', flavor: 'x' },
]);

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await world.stop();
});
afterEach(() => {
  world.sandbox.faults.clearRules();
  jest.restoreAllMocks();
});

/** The providers of the test config, plus variants; read through the real config reader. */
function provider(
  name: string,
  patch: Partial<ApigeeProviderConfig> = {},
): ApigeeKeyProvider {
  const configs = readApigeeProviderConfigs(world.config());
  const base = configs.find(c => c.name === name)!;
  return new ApigeeKeyProvider({ ...base, ...patch });
}

const ref = (name: string) => ({
  developer: world.scenario(name).developer,
  app: world.scenario(name).app,
});

/** The full key-provider lifecycle the engine relies on, against one dialect and auth. */
async function exerciseLifecycle(p: ApigeeKeyProvider, name: string) {
  const app = ref(name);
  const details = await p.getApp(app);
  expect(details).toMatchObject({
    app: app.app,
    status: 'approved',
    developerStatus: 'active',
  });
  expect(details.keys).toEqual([
    expect.objectContaining({
      consumerKey: world.scenario(name).initialKey,
      status: 'approved',
      apiProducts: [{ apiProduct: 'orders-api', status: 'approved' }],
      expiresAt: undefined,
    }),
  ]);
  expect(details.keys[0].issuedAt).toBeInstanceOf(Date);

  const key = { consumerKey: material('k_'), consumerSecret: material('s_') };
  await p.importKey(app, key);
  await p.importKey(app, key); // a retry after a lost answer is fine (the 409 is handled)
  let imported = (await p.getApp(app)).keys.find(
    k => k.consumerKey === key.consumerKey,
  )!;
  expect(imported.apiProducts).toEqual([]); // Apigee gives an imported key no products

  const answered = await p.addApiProducts(app, key.consumerKey, [
    'orders-api',
    'admin-api',
  ]);
  await p.addApiProducts(app, key.consumerKey, ['orders-api']); // merged, idempotent
  imported = (await p.getApp(app)).keys.find(
    k => k.consumerKey === key.consumerKey,
  )!;
  expect(imported.apiProducts).toEqual([
    { apiProduct: 'orders-api', status: 'approved' },
    { apiProduct: 'admin-api', status: 'pending' }, // manual-approval product
  ]);
  // The answer to the change is the key with these statuses: the engine need not read.
  expect(answered).toEqual(imported);
  await p.approveApiProduct(app, key.consumerKey, 'admin-api');
  await p.approveKey(app, key.consumerKey);
  imported = (await p.getApp(app)).keys.find(
    k => k.consumerKey === key.consumerKey,
  )!;
  expect(imported).toMatchObject({
    status: 'approved',
    apiProducts: [
      { apiProduct: 'orders-api', status: 'approved' },
      { apiProduct: 'admin-api', status: 'approved' },
    ],
  });

  // Revoke (the retirement deadline, "revoke now") and approve again (restore).
  await p.revokeKey(app, key.consumerKey);
  await p.revokeKey(app, key.consumerKey); // a retry after a lost answer is fine
  const statusOf = async () =>
    (await p.getApp(app)).keys.find(k => k.consumerKey === key.consumerKey)
      ?.status;
  expect(await statusOf()).toBe('revoked');
  await p.approveKey(app, key.consumerKey);
  expect(await statusOf()).toBe('approved');

  await p.deleteKey(app, key.consumerKey);
  await p.deleteKey(app, key.consumerKey); // already gone: fine
  expect((await p.getApp(app)).keys.map(k => k.consumerKey)).toEqual([
    world.scenario(name).initialKey,
  ]);
}

describe('ApigeeKeyProvider against the sandbox', () => {
  it('Edge with Basic auth on /v1/organizations', async () => {
    await expect(
      exerciseLifecycle(provider('edge'), 'edge-basic'),
    ).resolves.toBeUndefined();
  });

  it('Edge on the /v1/o alias', async () => {
    await expect(
      exerciseLifecycle(provider('edge', { pathStyle: 'o' }), 'edge-o'),
    ).resolves.toBeUndefined();
  });

  it('Edge with the SSO password grant, MFA code and refresh before expiry', async () => {
    const fetchSpy = jest.spyOn(global, 'fetch');
    let now = Date.now();
    const auth = new EdgeOAuthAuthenticator(
      {
        type: 'oauth',
        username: EDGE_MFA_USER.username,
        password: EDGE_MFA_USER.password,
        mfaToken: EDGE_MFA_USER.mfaCode,
        tokenUrl: `${world.url}/oauth/token`,
        clientId: 'edgecli',
        clientSecret: 'edgeclisecret',
      },
      { requestTimeoutMs: 5000, now: () => now },
    );
    const oauthProvider = new ApigeeKeyProvider(
      readApigeeProviderConfigs(world.config()).find(c => c.name === 'edge')!,
      { authenticator: auth },
    );
    await exerciseLifecycle(oauthProvider, 'edge-oauth');
    const grants = () =>
      fetchSpy.mock.calls
        .filter(([url]) => String(url).endsWith('/oauth/token'))
        .map(([, init]) =>
          new URLSearchParams(String(init?.body)).get('grant_type'),
        );
    expect(grants()).toEqual(['password']); // one login, reused for every call
    const passwordBody = new URLSearchParams(
      String(
        fetchSpy.mock.calls.find(([url]) =>
          String(url).endsWith('/oauth/token'),
        )![1]!.body,
      ),
    );
    expect(passwordBody.get('mfa_token')).toBe(EDGE_MFA_USER.mfaCode);

    now += 1799_000 - 30_000; // within the refresh margin of the 1799 s token
    await oauthProvider.getApp(ref('edge-oauth'));
    expect(grants()).toEqual(['password', 'refresh_token']);
  });

  it('Edge SSO refuses a wrong MFA code with a clear, final error', async () => {
    const p = new ApigeeKeyProvider(
      readApigeeProviderConfigs(world.config()).find(c => c.name === 'edge')!,
      {
        authenticator: new EdgeOAuthAuthenticator(
          {
            type: 'oauth',
            username: EDGE_MFA_USER.username,
            password: EDGE_MFA_USER.password,
            mfaToken: '000000',
            tokenUrl: `${world.url}/oauth/token`,
            clientId: 'edgecli',
            clientSecret: 'edgeclisecret',
          },
          { requestTimeoutMs: 5000 },
        ),
      },
    );
    const error = await p.getApp(ref('edge-oauth')).catch(e => e);
    expect(error).toBeInstanceOf(KeyProviderError);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(error.message).toContain('Invalid mfa_token');
    expect(error.message).not.toContain(EDGE_MFA_USER.password);
  });

  it('Apigee X with a Google service account through google-auth-library', async () => {
    await expect(
      exerciseLifecycle(provider('x'), 'x-sa'),
    ).resolves.toBeUndefined();
  });

  it('Apigee X with a configured access token, developer e-mail lowercased', async () => {
    const p = provider('x', {
      auth: { type: 'accessToken', token: X_STATIC_TOKEN },
    });
    const upper = {
      ...ref('x-token'),
      developer: ref('x-token').developer.toUpperCase(),
    };
    expect((await p.getApp(upper)).keys).toHaveLength(1);
    await exerciseLifecycle(p, 'x-token');
  });

  it('classifies errors: unknown app is not-found, a key taken with another secret is a conflict, and messages carry no key material', async () => {
    const p = provider('edge');
    await expect(
      p.getApp({ developer: ref('edge-basic').developer, app: 'nope' }),
    ).rejects.toMatchObject({
      kind: 'not-found',
      status: 404,
      code: 'developer.service.AppDoesNotExist',
    });
    const taken = world.scenario('edge-basic').initialKey;
    const error = await p
      .importKey(ref('edge-basic'), {
        consumerKey: taken,
        consumerSecret: material('other_'),
      })
      .catch(e => e);
    expect(error).toMatchObject({ kind: 'conflict', status: 409 });
    expect(error.message).toContain('already exists with another secret');
    expect(error.message).toContain(fingerprint(taken));
    expect(error.message).not.toContain(taken);
  });

  it('reports a full app as a key-limit error', async () => {
    const p = provider('edge-tight');
    const error = await p
      .importKey(ref('edge-limit'), {
        consumerKey: material('k_'),
        consumerSecret: material('s_'),
      })
      .catch(e => e);
    expect(error).toMatchObject({ kind: 'key-limit', status: 400 });
  });

  it('reports 429 and 5xx as transient, with the server’s Retry-After', async () => {
    const p = provider('x');
    world.sandbox.faults.addRule({
      id: 'quota',
      service: 'apigee',
      operation: 'apps.get',
      error: 'too-many-requests',
      failNext: 1,
    });
    await expect(p.getApp(ref('x-sa'))).rejects.toMatchObject({
      kind: 'transient',
      status: 429,
      retryAfterMs: 1000,
    });
    world.sandbox.faults.addRule({
      id: 'down',
      service: 'apigee',
      operation: 'apps.get',
      error: 'server-error',
      status: 502,
      failNext: 1,
    });
    await expect(p.getApp(ref('x-sa'))).rejects.toMatchObject({
      kind: 'transient',
      status: 502,
    });
  });

  it('reports a timeout as transient', async () => {
    const p = provider('edge', { requestTimeoutMs: 200 });
    world.sandbox.faults.addRule({
      id: 'slow',
      service: 'apigee',
      error: 'none',
      latencyMs: 600,
    });
    const error = await p.getApp(ref('edge-basic')).catch(e => e);
    expect(error).toMatchObject({ kind: 'transient' });
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('refuses wrong credentials as unauthorized', async () => {
    const p = provider('edge', {
      auth: {
        type: 'basic',
        username: 'rotator@example.com',
        password: 'wrong',
      },
    });
    await expect(p.getApp(ref('edge-basic'))).rejects.toMatchObject({
      kind: 'unauthorized',
      status: 401,
    });
  });
});

describe('ApigeeKeyProvider traffic from Apigee analytics', () => {
  /** Calls the scenario's proxy `n` times with its key, from a client address. */
  async function callWith(name: string, n: number, clientIp: string) {
    const s = world.scenario(name);
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${world.url}/gateway/${s.org}/orders`, {
        headers: { 'x-apikey': s.initialKey, 'X-Forwarded-For': clientIp },
      });
      expect(res.status).toBe(200);
    }
  }
  const window = () => ({
    from: new Date(Date.now() - 3600_000),
    to: new Date(),
  });

  it.each([
    ['Edge', 'edge', 'edge-basic'],
    ['X', 'x-sa', 'x-sa'],
  ])(
    'counts calls with one key per proxy and client on %s',
    async (_dialect, providerName, scenario) => {
      const p = provider(providerName === 'x-sa' ? 'x' : providerName);
      const key = world.scenario(scenario).initialKey;
      const before = await p.keyTraffic({
        ref: ref(scenario),
        consumerKey: key,
        ...window(),
      });
      await callWith(scenario, 3, '10.0.0.1');
      await callWith(scenario, 2, '10.0.0.2');
      const traffic = await p.keyTraffic({
        ref: ref(scenario),
        consumerKey: key,
        ...window(),
      });
      expect(traffic.calls - before.calls).toBe(5);
      expect(traffic.lastCallAt!.getTime()).toBeGreaterThan(
        Date.now() - 120_000,
      );
      expect(traffic.sources).toEqual(
        expect.arrayContaining([
          { proxy: 'orders-proxy', calls: traffic.calls },
          { client: '10.0.0.1', calls: expect.any(Number) },
          { client: '10.0.0.2', calls: expect.any(Number) },
        ]),
      );
      // Another key of no one: no calls, not an error.
      const silent = await p.keyTraffic({
        ref: ref(scenario),
        consumerKey: material('never_used_'),
        ...window(),
      });
      expect(silent).toEqual({ calls: 0, lastCallAt: undefined, sources: [] });
    },
  );

  it('says why it cannot answer: not configured, analytics down, no key in the message', async () => {
    const key = world.scenario('edge-basic').initialKey;
    const query = { ref: ref('edge-basic'), consumerKey: key, ...window() };
    const unconfigured = provider('edge', {
      analytics: { enabled: true, environments: [], delayMs: 0 },
    });
    await expect(unconfigured.keyTraffic(query)).rejects.toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('analytics.environments'),
    });

    world.sandbox.faults.addRule({
      id: 'stats-down',
      service: 'apigee',
      path: '/stats/',
      errorRate: 1,
      status: 503,
    });
    const error = await provider('edge')
      .keyTraffic(query)
      .catch(e => e);
    expect(error).toBeInstanceOf(KeyProviderError);
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('read analytics of environment prod');
    expect(error.message).not.toContain(key);
  });

  it('turns analytics off as time-based retirement', () => {
    expect(provider('edge').oldKeyRetirement).toBe('traffic');
    expect(
      provider('edge', {
        analytics: { enabled: false, environments: [], delayMs: 0 },
      }).oldKeyRetirement,
    ).toBe('time');
  });
});

describe('readApigeeProviderConfigs', () => {
  it('reads providers with their defaults', () => {
    const configs = readApigeeProviderConfigs(
      new ConfigReader({
        apigeeCredentials: {
          providers: [
            {
              name: 'edge',
              type: 'edge',
              organization: 'o1',
              auth: { type: 'oauth', username: 'u', password: 'p' },
            },
            {
              name: 'x',
              type: 'x',
              organization: 'o2',
              auth: { type: 'accessToken', token: 't' },
            },
          ],
        },
      }),
    );
    expect(configs[0]).toMatchObject({
      baseUrl: 'https://api.enterprise.apigee.com',
      pathStyle: 'organizations',
      requestTimeoutMs: 30_000,
      auth: {
        tokenUrl: 'https://login.apigee.com/oauth/token',
        clientId: 'edgecli',
      },
    });
    expect(configs[1]).toMatchObject({
      baseUrl: 'https://apigee.googleapis.com',
    });
  });

  const read = (entry: JsonObject) => () =>
    readApigeeProviderConfigs(
      new ConfigReader({ apigeeCredentials: { providers: [entry] } }),
    );
  const base = { name: 'a', organization: 'o' };

  it.each<[string, JsonObject, string]>([
    [
      'an unknown type',
      { ...base, type: 'opdk', auth: { type: 'basic' } },
      'apigeeCredentials.providers[0].type must be edge or x',
    ],
    [
      'Edge auth on X',
      {
        ...base,
        type: 'x',
        auth: { type: 'basic', username: 'u', password: 'p' },
      },
      'must be one of serviceAccount, accessToken for an x provider',
    ],
    [
      'the /v1/o alias on X',
      {
        ...base,
        type: 'x',
        pathStyle: 'o',
        auth: { type: 'accessToken', token: 't' },
      },
      'pathStyle o exists on Apigee Edge only',
    ],
    [
      'a service-account key without its fields',
      {
        ...base,
        type: 'x',
        auth: { type: 'serviceAccount', credentials: '{}' },
      },
      'must hold client_email and private_key',
    ],
    [
      'an analytics environment that is no name',
      {
        ...base,
        type: 'x',
        auth: { type: 'accessToken', token: 't' },
        analytics: { environments: ['prod env'] },
      },
      'apigeeCredentials.providers[0].analytics.environments: prod env is not an Apigee environment name',
    ],
  ])('rejects %s, naming the config path', (_case, entry, message) => {
    expect(read(entry)).toThrow(message);
  });

  it('reads the analytics block with its defaults', () => {
    const [config] = readApigeeProviderConfigs(
      new ConfigReader({
        apigeeCredentials: {
          providers: [
            {
              ...base,
              type: 'edge',
              auth: { type: 'basic', username: 'u', password: 'p' },
              analytics: { environments: ['prod', 'test'] },
            },
          ],
        },
      }),
    );
    expect(config.analytics).toEqual({
      enabled: true,
      environments: ['prod', 'test'],
      delayMs: 15 * 60_000,
    });
  });
});
