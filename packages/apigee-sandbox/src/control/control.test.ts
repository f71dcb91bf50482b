import { createHash } from 'node:crypto';
import {
  ORDERS_EDGE_KEY,
  ORDERS_EDGE_SECRET,
  call,
  edgeAdminAuth,
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
      json: { propagationDelayMs: 1500, tokenLifetimeSeconds: 120 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      propagationDelayMs: 1500,
      tokenLifetimeSeconds: 120,
      googleTokenLifetimeSeconds: 3600,
    });
    expect(sandbox().config.propagationDelayMs).toBe(1500);
    const bad = await call(control('/config'), {
      method: 'PUT',
      json: { propagationDelayMs: -1 },
    });
    expect(bad.status).toBe(400);
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
