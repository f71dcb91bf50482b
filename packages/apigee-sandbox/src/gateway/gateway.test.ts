import {
  ORDERS_EDGE_KEY,
  ORDERS_EDGE_SECRET,
  PAYMENTS_EDGE_KEY,
  PAYMENTS_X_KEY,
  X_TOKEN,
  basicAuth,
  call,
  edgeAdminAuth,
  manualClock,
  useSandbox,
} from '../testing/helpers';

const fault = (errorcode: string, faultstring?: string) => ({
  fault: {
    faultstring: faultstring ?? expect.any(String),
    detail: { errorcode },
  },
});

describe('gateway: VerifyAPIKey stand-in', () => {
  const clock = manualClock();
  const sandbox = useSandbox(() => ({ now: clock.now }));
  const gateway = (path: string) => `${sandbox().url}/gateway${path}`;
  const edgeApp = (dev: string, app: string) =>
    `${sandbox().url}/v1/organizations/acme-edge/developers/${dev}/apps/${app}`;
  const ordersApp = () => edgeApp('orders-team@example.com', 'orders-service');
  const auth = { Authorization: edgeAdminAuth };
  const withKey = (key: string) => ({ headers: { 'x-apikey': key } });

  beforeEach(() => sandbox().reset());

  /** Imports a key into orders-service and (optionally) associates products. */
  async function importKey(key: string, products: string[] = ['orders-api']) {
    await call(`${ordersApp()}/keys/create`, {
      method: 'POST',
      headers: auth,
      json: { consumerKey: key, consumerSecret: `${key}-secret` },
    });
    if (products.length) {
      await call(`${ordersApp()}/keys/${key}`, {
        method: 'POST',
        headers: auth,
        json: { apiProducts: products },
      });
    }
  }

  it('accepts an approved key with an approved product of the proxy, without echoing the secret', async () => {
    const res = await call(gateway('/acme-edge/orders/v1/items?x=1'), {
      ...withKey(ORDERS_EDGE_KEY),
      method: 'POST',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      org: 'acme-edge',
      proxy: 'orders-proxy',
      path: '/orders/v1/items',
      method: 'POST',
      apiProduct: 'orders-api',
      app: 'orders-service',
      developer: 'orders-team@example.com',
    });
    expect(res.text).not.toContain(ORDERS_EDGE_SECRET);
  });

  it('serves X organizations too', async () => {
    const res = await call(
      gateway('/acme-x/payments'),
      withKey(PAYMENTS_X_KEY),
    );
    expect(res.status).toBe(200);
    expect(res.body.app).toBe('payments-service');
  });

  it('answers 401 FailedToResolveAPIKey without a key', async () => {
    const res = await call(gateway('/acme-edge/orders'));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      fault(
        'steps.oauth.v2.FailedToResolveAPIKey',
        'Failed to resolve API Key variable request.header.x-apikey',
      ),
    );
  });

  it('answers 401 oauth.v2.InvalidApiKey for an unknown key', async () => {
    const res = await call(gateway('/acme-edge/orders'), withKey('nope'));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(fault('oauth.v2.InvalidApiKey', 'Invalid ApiKey'));
  });

  it('answers 401 InvalidApiKeyForGivenResource for a key of another product', async () => {
    const res = await call(
      gateway('/acme-edge/orders'),
      withKey(PAYMENTS_EDGE_KEY),
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      fault(
        'oauth.v2.InvalidApiKeyForGivenResource',
        'Invalid ApiKey for given resource',
      ),
    );
  });

  it('rejects an imported key until it has a product', async () => {
    await importKey('no-products-key', []);
    const res = await call(
      gateway('/acme-edge/orders'),
      withKey('no-products-key'),
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      fault(
        'keymanagement.service.consumer_key_missing_api_product_association',
      ),
    );
    await call(`${ordersApp()}/keys/no-products-key`, {
      method: 'POST',
      headers: auth,
      json: { apiProducts: ['orders-api'] },
    });
    expect(
      (await call(gateway('/acme-edge/orders'), withKey('no-products-key')))
        .status,
    ).toBe(200);
  });

  it('treats a pending association as InvalidApiKeyForGivenResource, then accepts it once approved; Basic checks the secret', async () => {
    const adminProxy = gateway('/acme-edge/payments-admin/refunds');
    await importKey('admin-key', ['payments-admin-api']);
    const pending = await call(adminProxy, {
      headers: { Authorization: basicAuth('admin-key', 'admin-key-secret') },
    });
    expect(pending.status).toBe(401);
    expect(pending.body).toEqual(
      fault('oauth.v2.InvalidApiKeyForGivenResource'),
    );
    await call(
      `${ordersApp()}/keys/admin-key/apiproducts/payments-admin-api?action=approve`,
      {
        method: 'POST',
        headers: auth,
      },
    );
    const approved = await call(adminProxy, {
      headers: { Authorization: basicAuth('admin-key', 'admin-key-secret') },
    });
    expect(approved.status).toBe(200);
    const wrongSecret = await call(adminProxy, {
      headers: { Authorization: basicAuth('admin-key', 'wrong') },
    });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toEqual(fault('oauth.v2.InvalidClientSecret'));
    const noAuth = await call(adminProxy);
    expect(noAuth.body).toEqual(fault('steps.oauth.v2.FailedToResolveAPIKey'));
  });

  it('answers ApiKeyNotApproved for a revoked key', async () => {
    await call(`${ordersApp()}/keys/${ORDERS_EDGE_KEY}?action=revoke`, {
      method: 'POST',
      headers: auth,
    });
    const res = await call(
      gateway('/acme-edge/orders'),
      withKey(ORDERS_EDGE_KEY),
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      fault('oauth.v2.ApiKeyNotApproved', 'ApiKey not approved'),
    );
  });

  it('answers consumer_key_expired once an X key expired', async () => {
    const xApp = `${
      sandbox().url
    }/v1/organizations/acme-x/developers/payments-team@example.com/apps/payments-service`;
    const xAuth = { Authorization: `Bearer ${X_TOKEN}` };
    await call(`${xApp}/keys`, {
      method: 'POST',
      headers: xAuth,
      json: {
        consumerKey: 'short-lived',
        consumerSecret: 's',
        expiresInSeconds: 60,
      },
    });
    await call(`${xApp}/keys/short-lived`, {
      method: 'POST',
      headers: xAuth,
      json: { apiProducts: ['payments-api'] },
    });
    expect(
      (await call(gateway('/acme-x/payments'), withKey('short-lived'))).status,
    ).toBe(200);
    clock.advance(60_000);
    const res = await call(gateway('/acme-x/payments'), withKey('short-lived'));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      fault('keymanagement.service.consumer_key_expired'),
    );
  });

  it('rejects keys of a revoked app even though the key is approved', async () => {
    await call(`${ordersApp()}?action=revoke`, {
      method: 'POST',
      headers: auth,
    });
    const res = await call(
      gateway('/acme-edge/orders'),
      withKey(ORDERS_EDGE_KEY),
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      fault('keymanagement.service.invalid_client-app_not_approved'),
    );
  });

  it('accepts the keys of a newly created app: the generated one and an imported one with a product', async () => {
    const created = await call(
      `${
        sandbox().url
      }/v1/organizations/acme-edge/developers/orders-team@example.com/apps`,
      {
        method: 'POST',
        headers: auth,
        json: { name: 'checkout-service', apiProducts: ['orders-api'] },
      },
    );
    expect(created.status).toBe(201);
    const generated = created.body.credentials[0].consumerKey;
    const newApp = edgeApp('orders-team@example.com', 'checkout-service');
    await call(`${newApp}/keys/create`, {
      method: 'POST',
      headers: auth,
      json: { consumerKey: 'checkout-key', consumerSecret: 'checkout-secret' },
    });
    await call(`${newApp}/keys/checkout-key`, {
      method: 'POST',
      headers: auth,
      json: { apiProducts: ['orders-api'] },
    });

    for (const key of [generated, 'checkout-key']) {
      const res = await call(gateway('/acme-edge/orders'), withKey(key));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ app: 'checkout-service' });
      const verified = await call(
        `${sandbox().url}/runtime/verify?apikey=${key}`,
      );
      expect(verified.status).toBe(200);
    }
  });

  it('refuses the keys of a deleted app and keeps the other apps working', async () => {
    await importKey('doomed-key');
    const deleted = await call(ordersApp(), {
      method: 'DELETE',
      headers: auth,
    });
    expect(deleted.status).toBe(200);
    for (const key of [ORDERS_EDGE_KEY, 'doomed-key']) {
      const res = await call(gateway('/acme-edge/orders'), withKey(key));
      expect(res.status).toBe(401);
      expect(res.body).toEqual(fault('oauth.v2.InvalidApiKey'));
    }
    expect(
      (await call(gateway('/acme-edge/payments'), withKey(PAYMENTS_EDGE_KEY)))
        .status,
    ).toBe(200);
  });

  it('answers 404 ApplicationNotFound for a path no proxy serves', async () => {
    const res = await call(
      gateway('/acme-edge/nothing-here'),
      withKey(ORDERS_EDGE_KEY),
    );
    expect(res.status).toBe(404);
    expect(res.body).toEqual(
      fault('messaging.adaptors.http.flow.ApplicationNotFound'),
    );
    // /payments does not serve /payments-admin and vice versa: longest base path wins.
    const admin = await call(
      gateway('/acme-edge/payments-admin'),
      withKey(PAYMENTS_EDGE_KEY),
    );
    expect(admin.body).toEqual(fault('steps.oauth.v2.FailedToResolveAPIKey'));
  });

  describe('propagation delay (Apigee caches keys, apps and products for ~180 s)', () => {
    beforeEach(async () => {
      const res = await call(`${sandbox().url}/_sandbox/config`, {
        method: 'PUT',
        json: { propagationDelayMs: 180_000 },
      });
      if (res.status !== 200)
        throw new Error(`PUT /config failed: ${res.text}`);
    });

    it('rejects a new key and accepts a deleted key until the delay has passed', async () => {
      await importKey('fresh-key');
      const early = await call(
        gateway('/acme-edge/orders'),
        withKey('fresh-key'),
      );
      expect(early.status).toBe(401);
      expect(early.body).toEqual(fault('oauth.v2.InvalidApiKey'));
      clock.advance(179_999);
      expect(
        (await call(gateway('/acme-edge/orders'), withKey('fresh-key'))).status,
      ).toBe(401);
      clock.advance(1);
      expect(
        (await call(gateway('/acme-edge/orders'), withKey('fresh-key'))).status,
      ).toBe(200);

      await call(`${ordersApp()}/keys/fresh-key`, {
        method: 'DELETE',
        headers: auth,
      });
      expect(
        (await call(gateway('/acme-edge/orders'), withKey('fresh-key'))).status,
      ).toBe(200);
      clock.advance(180_000);
      expect(
        (await call(gateway('/acme-edge/orders'), withKey('fresh-key'))).status,
      ).toBe(401);
    });

    it('accepts the keys of a deleted app until the delay has passed', async () => {
      await call(ordersApp(), { method: 'DELETE', headers: auth });
      const ordersCall = () =>
        call(gateway('/acme-edge/orders'), withKey(ORDERS_EDGE_KEY));
      expect((await ordersCall()).status).toBe(200);
      clock.advance(180_000);
      const res = await ordersCall();
      expect(res.status).toBe(401);
      expect(res.body).toEqual(fault('oauth.v2.InvalidApiKey'));
    });

    it('keeps accepting a revoked key, and the seeded keys work from the start', async () => {
      expect(
        (await call(gateway('/acme-edge/orders'), withKey(ORDERS_EDGE_KEY)))
          .status,
      ).toBe(200);
      await call(`${ordersApp()}/keys/${ORDERS_EDGE_KEY}?action=revoke`, {
        method: 'POST',
        headers: auth,
      });
      expect(
        (await call(gateway('/acme-edge/orders'), withKey(ORDERS_EDGE_KEY)))
          .status,
      ).toBe(200);
      clock.advance(180_000);
      const res = await call(
        gateway('/acme-edge/orders'),
        withKey(ORDERS_EDGE_KEY),
      );
      expect(res.body).toEqual(fault('oauth.v2.ApiKeyNotApproved'));
    });
  });

  describe('GET /runtime/verify?apikey=', () => {
    const verify = (query: string) =>
      call(`${sandbox().url}/runtime/verify?${query}`);

    it('verifies a key in any org, or against an org and proxy', async () => {
      const any = await verify(`apikey=${PAYMENTS_X_KEY}`);
      expect(any.status).toBe(200);
      expect(any.body).toEqual({
        ok: true,
        org: 'acme-x',
        apiProduct: 'payments-api',
        app: 'payments-service',
        developer: 'payments-team@example.com',
      });
      const proxy = await verify(
        `apikey=${ORDERS_EDGE_KEY}&org=acme-edge&proxy=orders-proxy`,
      );
      expect(proxy.status).toBe(200);
    });

    it('returns the InvalidApiKeyForGivenResource fault for a key of another product', async () => {
      const res = await verify(
        `apikey=${PAYMENTS_EDGE_KEY}&org=acme-edge&proxy=orders-proxy`,
      );
      expect(res.status).toBe(401);
      expect(res.body).toEqual(fault('oauth.v2.InvalidApiKeyForGivenResource'));
      const product = await verify(
        `apikey=${PAYMENTS_EDGE_KEY}&apiproduct=orders-api`,
      );
      expect(product.body).toEqual(
        fault('oauth.v2.InvalidApiKeyForGivenResource'),
      );
    });

    it('answers InvalidApiKey and FailedToResolveAPIKey', async () => {
      expect((await verify('apikey=nope')).body).toEqual(
        fault('oauth.v2.InvalidApiKey'),
      );
      expect((await verify('')).body).toEqual(
        fault('steps.oauth.v2.FailedToResolveAPIKey'),
      );
      expect((await verify(`apikey=x&proxy=orders-proxy`)).status).toBe(400);
    });
  });

  it('renders gateway faults in the runtime fault format', async () => {
    sandbox().faults.addRule({ id: 'gw-503', service: 'gateway', failNext: 1 });
    const failed = await call(
      gateway('/acme-edge/orders'),
      withKey(ORDERS_EDGE_KEY),
    );
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual(
      fault('messaging.adaptors.http.flow.ServiceUnavailable'),
    );
    sandbox().faults.addRule({
      id: 'gw-429',
      service: 'gateway',
      failNext: 1,
      error: 'too-many-requests',
    });
    const limited = await call(
      `${sandbox().url}/runtime/verify?apikey=${ORDERS_EDGE_KEY}`,
    );
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual(
      fault('policies.ratelimit.SpikeArrestViolation'),
    );
  });
});

describe('gateway with a custom seed', () => {
  const sandbox = useSandbox(() => ({
    seed: {
      apigee: {
        organizations: [
          {
            name: 'custom',
            dialect: 'edge',
            apiProducts: [{ name: 'p' }],
            developers: [
              {
                email: 'gone@example.com',
                status: 'inactive',
                apps: [
                  {
                    name: 'app',
                    credentials: [
                      {
                        consumerKey: 'inactive-dev-key',
                        consumerSecret: 's',
                        apiProducts: ['p'],
                      },
                    ],
                  },
                ],
              },
              {
                email: 'here@example.com',
                apps: [
                  {
                    name: 'app',
                    credentials: [
                      {
                        consumerKey: 'query-key',
                        consumerSecret: 's',
                        apiProducts: ['p'],
                      },
                    ],
                  },
                ],
              },
            ],
            proxies: [
              {
                name: 'q',
                basePath: '/q',
                apiProducts: ['p'],
                apiKey: { in: 'query' },
              },
              {
                name: 'h',
                basePath: '/h',
                apiProducts: ['p'],
                apiKey: { name: 'X-Custom-Key' },
              },
            ],
          },
        ],
      },
    },
  }));

  it('reads the key from a query parameter (default apikey) or a custom header', async () => {
    const query = await call(
      `${sandbox().url}/gateway/custom/q?apikey=query-key`,
    );
    expect(query.status).toBe(200);
    const header = await call(`${sandbox().url}/gateway/custom/h`, {
      headers: { 'x-custom-key': 'query-key' },
    });
    expect(header.status).toBe(200);
  });

  it('rejects keys of an inactive developer', async () => {
    const res = await call(
      `${sandbox().url}/gateway/custom/q?apikey=inactive-dev-key`,
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      fault('keymanagement.service.DeveloperStatusNotActive'),
    );
  });
});
