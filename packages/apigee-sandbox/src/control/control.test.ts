import { createHash } from 'node:crypto';
import {
  ORDERS_EDGE_KEY,
  ORDERS_EDGE_SECRET,
  PAYMENTS_EDGE_KEY,
  PAYMENTS_X_KEY,
  call,
  edgeAdminAuth,
  manualClock,
  useSandbox,
} from '../testing/helpers';

describe('control API /_sandbox', () => {
  const sandbox = useSandbox();
  const control = (path: string) => `${sandbox().url}/_sandbox${path}`;
  const appUrl = () =>
    `${
      sandbox().url
    }/v1/organizations/acme-edge/developers/orders-team@example.com/apps/orders-service`;
  const auth = { Authorization: edgeAdminAuth };
  const getKey = () =>
    call(`${appUrl()}/keys/${ORDERS_EDGE_KEY}`, { headers: auth });

  beforeEach(() => sandbox().reset());

  it('reports health', async () => {
    const res = await call(control('/health'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  it('adds, lists, removes and clears fault rules', async () => {
    const added = await call(control('/faults'), {
      method: 'POST',
      json: { id: 'r1', service: 'apigee', operation: 'keys.get', failNext: 1 },
    });
    expect(added.status).toBe(201);
    expect((await call(control('/faults'))).body.rules).toEqual([
      { id: 'r1', service: 'apigee', operation: 'keys.get', failNext: 1 },
    ]);
    expect(
      (await call(control('/faults/r1'), { method: 'DELETE' })).status,
    ).toBe(204);
    expect(
      (await call(control('/faults/r1'), { method: 'DELETE' })).status,
    ).toBe(404);
    await call(control('/faults'), {
      method: 'POST',
      json: { id: 'r2', errorRate: 1 },
    });
    expect((await call(control('/faults'), { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await call(control('/faults'))).body.rules).toEqual([]);
  });

  it('rejects invalid fault rules with 400 and a reason', async () => {
    const noId = await call(control('/faults'), {
      method: 'POST',
      json: { errorRate: 1 },
    });
    expect(noId.status).toBe(400);
    expect(noId.body.error).toMatch(/id/);
    const badRate = await call(control('/faults'), {
      method: 'POST',
      json: { id: 'x', errorRate: 2 },
    });
    expect(badRate.status).toBe(400);
    expect(badRate.body.error).toMatch(/errorRate/);
    const badJson = await call(control('/faults'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
  });

  it('failNext fails exactly the next N matching calls', async () => {
    await call(control('/faults'), {
      method: 'POST',
      json: { id: 'two', operation: 'keys.get', failNext: 2, status: 502 },
    });
    expect((await getKey()).status).toBe(502);
    expect((await getKey()).status).toBe(502);
    expect((await getKey()).status).toBe(200);
  });

  it('errorRate fails about that share of calls', async () => {
    await call(control('/faults'), {
      method: 'POST',
      json: { id: 'always', operation: 'keys.get', errorRate: 1 },
    });
    for (let i = 0; i < 5; i++) expect((await getKey()).status).toBe(503);
    await call(control('/faults'), {
      method: 'POST',
      json: { id: 'always', operation: 'keys.get', errorRate: 0.5 },
    });
    let failures = 0;
    for (let i = 0; i < 200; i++)
      if ((await getKey()).status === 503) failures++;
    // Binomial(200, 0.5): outside [60, 140] has a probability far below 1e-8.
    expect(failures).toBeGreaterThan(60);
    expect(failures).toBeLessThan(140);
  });

  it('only matches rules on the path pattern when one is given', async () => {
    await call(control('/faults'), {
      method: 'POST',
      json: { id: 'p', path: 'payments-service', errorRate: 1 },
    });
    expect((await getKey()).status).toBe(200);
  });

  it('adds latency to matching calls', async () => {
    await call(control('/faults'), {
      method: 'POST',
      json: { id: 'slow', operation: 'keys.get', latencyMs: 200 },
    });
    const started = Date.now();
    expect((await getKey()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('hangs a call past the client timeout while the operation still takes effect', async () => {
    await call(control('/faults'), {
      method: 'POST',
      json: {
        id: 'hang',
        operation: 'keys.create',
        failNext: 1,
        hangMs: 400,
        error: 'none',
      },
    });
    await expect(
      fetch(`${appUrl()}/keys/create`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          consumerKey: 'hung-key',
          consumerSecret: 'hung-secret',
        }),
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    await new Promise(resolve => setTimeout(resolve, 500));
    const created = await call(`${appUrl()}/keys/hung-key`, { headers: auth });
    expect(created.status).toBe(200);
  });

  it('counts calls and faults per operation, and resets the counters', async () => {
    await call(control('/counters'), { method: 'DELETE' });
    await getKey();
    await getKey();
    await call(`${sandbox().url}/gateway/acme-edge/orders`, {
      headers: { 'x-apikey': ORDERS_EDGE_KEY },
    });
    await call(control('/faults'), {
      method: 'POST',
      json: { id: 'once', operation: 'keys.get', failNext: 1 },
    });
    await getKey();
    const counters = await call(control('/counters'));
    expect(counters.body.calls).toEqual({
      'apigee.keys.get': 3,
      'gateway.verify': 1,
    });
    expect(counters.body.faults).toEqual({ 'apigee.keys.get': 1 });
    const perSecondTotal = Object.values(
      counters.body.perSecond.apigee as Record<string, number>,
    ).reduce((a, b) => a + b, 0);
    expect(perSecondTotal).toBe(3);
    expect(
      (await call(control('/counters'), { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await call(control('/counters'))).body.calls).toEqual({});
  });

  it("shows an app's keys with status and products but never the secret", async () => {
    await call(`${appUrl()}/keys/create`, {
      method: 'POST',
      headers: auth,
      json: {
        consumerKey: 'second-key',
        consumerSecret: 'second-secret-value',
      },
    });
    const res = await call(
      control('/state/apigee/acme-edge/apps/orders-service'),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      org: 'acme-edge',
      dialect: 'edge',
      developer: 'orders-team@example.com',
      app: 'orders-service',
      appStatus: 'approved',
      keys: [
        {
          consumerKey: ORDERS_EDGE_KEY,
          status: 'approved',
          apiProducts: [{ apiproduct: 'orders-api', status: 'approved' }],
          consumerSecretFingerprint: expect.stringMatching(/^[0-9a-f]{12}$/),
        },
        { consumerKey: 'second-key', apiProducts: [] },
      ],
    });
    expect(res.text).not.toContain(ORDERS_EDGE_SECRET);
    expect(res.text).not.toContain('second-secret-value');
    expect(res.text).not.toContain('consumerSecret"');
    expect(
      (await call(control('/state/apigee/acme-edge/apps/nope'))).status,
    ).toBe(404);
    expect(
      (await call(control('/state/apigee/nope/apps/orders-service'))).status,
    ).toBe(404);
  });

  it("shows a secret's versions and labels with its fields only as fingerprints", async () => {
    const res = await call(
      control(
        '/state/secretsmanager?account=111111111111&region=eu-west-1&name=orders-service/apigee-prod',
      ),
    );
    expect(res.status).toBe(200);
    const keyFingerprint = `sha256:${createHash('sha256')
      .update(ORDERS_EDGE_KEY)
      .digest('hex')
      .slice(0, 12)}`;
    expect(res.body).toMatchObject({
      name: 'orders-service/apigee-prod',
      accountId: '111111111111',
      versions: [
        {
          stages: ['AWSCURRENT'],
          fields: {
            consumerKey: keyFingerprint,
            consumerSecret: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
          },
        },
      ],
    });
    expect(res.text).not.toContain(ORDERS_EDGE_KEY);
    expect(res.text).not.toContain(ORDERS_EDGE_SECRET);
    expect(
      (await call(control('/state/secretsmanager?name=nope'))).status,
    ).toBe(404);
  });

  it('changes run-time config and validates it', async () => {
    const res = await call(control('/config'), {
      method: 'PUT',
      json: {
        propagationDelayMs: 1500,
        tokenLifetimeSeconds: 120,
        analyticsDelayMs: 0,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      propagationDelayMs: 1500,
      tokenLifetimeSeconds: 120,
      googleTokenLifetimeSeconds: 3600,
      analyticsDelayMs: 0,
    });
    expect(sandbox().config.propagationDelayMs).toBe(1500);
    for (const json of [
      { propagationDelayMs: -1 },
      { analyticsDelayMs: -1 },
      { analyticsDelayMs: 1.5 },
    ]) {
      const bad = await call(control('/config'), { method: 'PUT', json });
      expect(bad.status).toBe(400);
    }
    const unknown = await call(control('/config'), {
      method: 'PUT',
      json: { speed: 1 },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/Unknown config field speed/);
  });

  it('resets state, faults, counters and config to the seed', async () => {
    await call(`${appUrl()}/keys/${ORDERS_EDGE_KEY}`, {
      method: 'DELETE',
      headers: auth,
    });
    await call(control('/faults'), {
      method: 'POST',
      json: { id: 'x', latencyMs: 1 },
    });
    await call(control('/config'), {
      method: 'PUT',
      json: { propagationDelayMs: 5 },
    });
    expect((await getKey()).status).toBe(404);
    expect((await call(control('/reset'), { method: 'POST' })).status).toBe(
      204,
    );
    expect((await getKey()).status).toBe(200);
    expect((await call(control('/faults'))).body.rules).toEqual([]);
    expect((await call(control('/config'))).body.propagationDelayMs).toBe(0);
    expect((await call(control('/counters'))).body.calls).toEqual({
      'apigee.keys.get': 1,
    });
  });
});

describe('control API /_sandbox/traffic', () => {
  const clock = manualClock();
  const sandbox = useSandbox(() => ({ now: clock.now }));
  const control = (path: string) => `${sandbox().url}/_sandbox${path}`;
  const fingerprint = (key: string) =>
    createHash('sha256').update(key).digest('hex').slice(0, 12);
  const proxyCall = (org: string, path: string, key: string, ip: string) =>
    call(`${sandbox().url}/gateway/${org}${path}`, {
      headers: { 'x-apikey': key, 'x-forwarded-for': ip },
    });

  beforeEach(() => sandbox().reset());

  it('lists accepted gateway calls per key, proxy and client IP, with keys only as fingerprints', async () => {
    const start = clock.ms();
    await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY, '203.0.113.7');
    clock.advance(90_000);
    await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY, '203.0.113.7');
    clock.advance(1000);
    await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY, '198.51.100.2');
    clock.advance(1000);
    await proxyCall('acme-edge', '/payments', PAYMENTS_EDGE_KEY, '203.0.113.7');
    await proxyCall('acme-x', '/payments', PAYMENTS_X_KEY, '203.0.113.9');
    // Refused: not recorded.
    await proxyCall('acme-edge', '/orders', 'unknown-key', '203.0.113.7');
    const at = (ms: number) => new Date(start + ms).toISOString();

    const res = await call(control('/traffic?org=acme-edge'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      traffic: [
        {
          org: 'acme-edge',
          environment: 'prod',
          proxy: 'orders-proxy',
          keyFingerprint: fingerprint(ORDERS_EDGE_KEY),
          app: 'orders-service',
          clientIp: '203.0.113.7',
          calls: 2,
          visibleCalls: 2,
          firstCallAt: at(0),
          lastCallAt: at(90_000),
        },
        {
          org: 'acme-edge',
          environment: 'prod',
          proxy: 'orders-proxy',
          keyFingerprint: fingerprint(ORDERS_EDGE_KEY),
          app: 'orders-service',
          clientIp: '198.51.100.2',
          calls: 1,
          visibleCalls: 1,
          firstCallAt: at(91_000),
          lastCallAt: at(91_000),
        },
        {
          org: 'acme-edge',
          environment: 'prod',
          proxy: 'payments-proxy',
          keyFingerprint: fingerprint(PAYMENTS_EDGE_KEY),
          app: 'payments-service',
          clientIp: '203.0.113.7',
          calls: 1,
          visibleCalls: 1,
          firstCallAt: at(92_000),
          lastCallAt: at(92_000),
        },
      ],
    });

    const all = await call(control('/traffic'));
    expect(all.body.traffic.map((t: any) => t.org)).toEqual([
      'acme-edge',
      'acme-edge',
      'acme-edge',
      'acme-x',
    ]);
    for (const text of [res.text, all.text]) {
      for (const key of [ORDERS_EDGE_KEY, PAYMENTS_EDGE_KEY, PAYMENTS_X_KEY]) {
        expect(text).not.toContain(key);
      }
    }
  });

  it('tells how many calls the stats API shows yet (analyticsDelayMs)', async () => {
    await call(control('/config'), {
      method: 'PUT',
      json: { analyticsDelayMs: 60_000 },
    });
    await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY, '203.0.113.7');
    const fresh = await call(control('/traffic'));
    expect(fresh.body.traffic[0]).toMatchObject({ calls: 1, visibleCalls: 0 });
    clock.advance(60_000);
    const due = await call(control('/traffic'));
    expect(due.body.traffic[0]).toMatchObject({ calls: 1, visibleCalls: 1 });
  });

  it('clears traffic on DELETE and on reset; 404 for an unknown org', async () => {
    await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY, '203.0.113.7');
    expect((await call(control('/traffic'))).body.traffic).toHaveLength(1);
    expect((await call(control('/traffic'), { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await call(control('/traffic'))).body).toEqual({ traffic: [] });

    await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY, '203.0.113.7');
    await call(control('/reset'), { method: 'POST' });
    expect((await call(control('/traffic'))).body).toEqual({ traffic: [] });

    expect((await call(control('/traffic?org=nope'))).status).toBe(404);
  });
});
