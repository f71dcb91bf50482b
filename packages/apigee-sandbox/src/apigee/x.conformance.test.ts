import {
  PAYMENTS_X_KEY,
  X_TOKEN,
  call,
  edgeAdminAuth,
  manualClock,
  useSandbox,
} from '../testing/helpers';

const DEV = 'payments-team@example.com';
const APP = 'payments-service';

describe('Apigee X / hybrid dialect', () => {
  const clock = manualClock();
  const sandbox = useSandbox(() => ({ now: clock.now }));
  const org = () => `${sandbox().url}/v1/organizations/acme-x`;
  const appUrl = () => `${org()}/developers/${DEV}/apps/${APP}`;
  const auth = { Authorization: `Bearer ${X_TOKEN}` };
  const createKey = (body: Record<string, unknown>, path = 'keys/create') =>
    call(`${appUrl()}/${path}`, { method: 'POST', headers: auth, json: body });

  beforeEach(() => sandbox().reset());

  it('gets the developer app with credentials[] and int64 fields as strings', async () => {
    const res = await call(appUrl(), { headers: auth });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: APP,
      status: 'approved',
      createdAt: String(clock.ms()),
      keyExpiresIn: '-1',
      credentials: [
        {
          consumerKey: PAYMENTS_X_KEY,
          expiresAt: '-1',
          issuedAt: String(clock.ms()),
          apiProducts: [{ apiproduct: 'payments-api', status: 'approved' }],
          status: 'approved',
        },
      ],
    });
  });

  it('lists apps as {app:[{appId}]} and expanded', async () => {
    const list = await call(`${appUrl().replace(`/${APP}`, '')}`, {
      headers: auth,
    });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ app: [{ appId: expect.any(String) }] });
    const expanded = await call(`${org()}/developers/${DEV}/apps?expand=true`, {
      headers: auth,
    });
    expect(expanded.body.app[0].name).toBe(APP);
  });

  it.each(['keys/create', 'keys'])(
    'POST …/%s imports a key: 200, approved even if revoked is asked, no products',
    async path => {
      const res = await createKey(
        {
          consumerKey: 'x-import-1',
          consumerSecret: 'x-secret-1',
          status: 'revoked',
        },
        path,
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        apiProducts: [],
        attributes: [],
        consumerKey: 'x-import-1',
        consumerSecret: 'x-secret-1',
        expiresAt: '-1',
        issuedAt: String(clock.ms()),
        scopes: [],
        status: 'approved',
      });
    },
  );

  it('turns expiresInSeconds into expiresAt', async () => {
    const res = await createKey({
      consumerKey: 'x-expiring',
      consumerSecret: 'x-secret',
      expiresInSeconds: '3600',
    });
    expect(res.body.expiresAt).toBe(String(clock.ms() + 3_600_000));
    const bad = await createKey({
      consumerKey: 'x-expiring-2',
      consumerSecret: 'x-secret',
      expiresInSeconds: 'soon',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.status).toBe('INVALID_ARGUMENT');
  });

  it('rejects a duplicate key with 409 ABORTED in the google.rpc shape', async () => {
    const res = await createKey({
      consumerKey: PAYMENTS_X_KEY,
      consumerSecret: 'abc',
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: {
        code: 409,
        message: 'ConsumerKey already exists',
        status: 'ABORTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.PreconditionFailure',
            violations: [
              {
                type: 'keymanagement.service.ConsumerKeyAlreadyExists',
                subject: '',
                description: 'ConsumerKey already exists',
              },
            ],
          },
          {
            '@type': 'type.googleapis.com/google.rpc.RequestInfo',
            requestId: expect.any(String),
          },
        ],
      },
    });
  });

  it('validates the key charset', async () => {
    const res = await createKey({
      consumerKey: 'bad key',
      consumerSecret: 'ok',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.status).toBe('INVALID_ARGUMENT');
  });

  it('needs the lowercase developer e-mail in paths', async () => {
    const upper = await call(
      `${org()}/developers/${DEV.toUpperCase()}/apps/${APP}`,
      { headers: auth },
    );
    expect(upper.status).toBe(404);
    expect(upper.body.error.status).toBe('NOT_FOUND');
    expect(upper.body.error.details[0].violations[0].type).toBe(
      'developer.service.DeveloperIdDoesNotExist',
    );
  });

  it('answers 404 NOT_FOUND for an unknown app and key', async () => {
    const app = await call(`${org()}/developers/${DEV}/apps/nope`, {
      headers: auth,
    });
    expect(app.status).toBe(404);
    expect(app.body.error).toMatchObject({
      code: 404,
      status: 'NOT_FOUND',
      message: `App named nope does not exist under ${DEV}`,
    });
    const key = await call(`${appUrl()}/keys/nope`, { headers: auth });
    expect(key.status).toBe(404);
    expect(key.body.error.details[0].violations[0].type).toBe(
      'keymanagement.service.InvalidClientIdForGivenApp',
    );
  });

  it('updateDeveloperAppKey appends products and replaces attributes', async () => {
    await createKey({ consumerKey: 'x-update', consumerSecret: 's' });
    const url = `${appUrl()}/keys/x-update`;
    await call(url, {
      method: 'POST',
      headers: auth,
      json: {
        apiProducts: ['payments-api'],
        attributes: [{ name: 'a', value: '1' }],
      },
    });
    const res = await call(url, {
      method: 'POST',
      headers: auth,
      json: {
        apiProducts: ['payments-api'],
        attributes: [{ name: 'b', value: '2' }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.apiProducts).toEqual([
      { apiproduct: 'payments-api', status: 'approved' },
    ]);
    expect(res.body.attributes).toEqual([{ name: 'b', value: '2' }]);
    expect(typeof res.body.issuedAt).toBe('string');
  });

  it('approves / revokes a key with ?action= and a key product with 200 {}', async () => {
    const url = `${appUrl()}/keys/${PAYMENTS_X_KEY}`;
    const revoke = await call(`${url}?action=revoke`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' },
    });
    expect(revoke.status).toBe(204);
    expect((await call(url, { headers: auth })).body.status).toBe('revoked');
    const product = await call(
      `${url}/apiproducts/payments-api?action=revoke`,
      {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/octet-stream' },
      },
    );
    expect(product.status).toBe(200);
    expect(product.body).toEqual({});
    expect((await call(url, { headers: auth })).body.apiProducts).toEqual([
      { apiproduct: 'payments-api', status: 'revoked' },
    ]);
  });

  it('PUT replaces scopes only', async () => {
    const url = `${appUrl()}/keys/${PAYMENTS_X_KEY}`;
    const res = await call(url, {
      method: 'PUT',
      headers: auth,
      json: { scopes: ['read'], attributes: [{ name: 'ignored', value: 'x' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.scopes).toEqual(['read']);
    expect(res.body.attributes).toEqual([]);
  });

  it('deletes a key with 200 + the key; removing a product not on a key is 400 FAILED_PRECONDITION', async () => {
    const url = `${appUrl()}/keys/${PAYMENTS_X_KEY}`;
    const removed = await call(`${url}/apiproducts/payments-api`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(removed.status).toBe(200);
    const again = await call(`${url}/apiproducts/payments-api`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(again.status).toBe(400);
    expect(again.body.error.status).toBe('FAILED_PRECONDITION');
    const deleted = await call(url, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
    expect(deleted.body.consumerKey).toBe(PAYMENTS_X_KEY);
    expect(deleted.body.expiresAt).toBe('-1');
  });

  it('deletes an app with 200 + the app and its keys; afterwards, and for an unknown app, 404 NOT_FOUND', async () => {
    const deleted = await call(appUrl(), { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      name: APP,
      createdAt: String(clock.ms()),
      credentials: [{ consumerKey: PAYMENTS_X_KEY, expiresAt: '-1' }],
    });
    for (const [method, url] of [
      ['GET', appUrl()],
      ['DELETE', appUrl()],
      ['GET', `${appUrl()}/keys/${PAYMENTS_X_KEY}`],
      ['DELETE', `${org()}/developers/${DEV}/apps/nope`],
    ]) {
      const res = await call(url, { method, headers: auth });
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
      expect(res.body.error.details[0].violations[0].type).toBe(
        'developer.service.AppDoesNotExist',
      );
    }
    const list = await call(`${org()}/developers/${DEV}/apps`, {
      headers: auth,
    });
    expect(list.body).toEqual({ app: [] });
  });

  it('creates developers and apps with 200, storing the e-mail lowercase', async () => {
    const dev = await call(`${org()}/developers`, {
      method: 'POST',
      headers: auth,
      json: { email: 'New-Team@Example.com', firstName: 'New' },
    });
    expect(dev.status).toBe(200);
    expect(dev.body.email).toBe('new-team@example.com');
    expect(dev.body.createdAt).toBe(String(clock.ms()));
    const app = await call(`${org()}/developers/new-team@example.com/apps`, {
      method: 'POST',
      headers: auth,
      json: {
        name: 'new-app',
        apiProducts: ['payments-api'],
        keyExpiresIn: '60000',
      },
    });
    expect(app.status).toBe(200);
    expect(app.body.credentials[0].expiresAt).toBe(String(clock.ms() + 60000));
    expect(app.body.credentials[0].consumerKey).toHaveLength(48);
  });

  it('accepts bearer tokens only', async () => {
    const basic = await call(appUrl(), {
      headers: { Authorization: edgeAdminAuth },
    });
    expect(basic.status).toBe(401);
    expect(basic.body.error.status).toBe('UNAUTHENTICATED');
    const wrong = await call(appUrl(), {
      headers: { Authorization: 'Bearer nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('renders injected faults as google.rpc UNAVAILABLE and RESOURCE_EXHAUSTED', async () => {
    sandbox().faults.addRule({
      id: 'x-503',
      service: 'apigee',
      operation: 'apps.get',
      failNext: 1,
    });
    const failed = await call(appUrl(), { headers: auth });
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatchObject({
      code: 503,
      status: 'UNAVAILABLE',
    });
    sandbox().faults.addRule({
      id: 'x-429',
      service: 'apigee',
      operation: 'apps.get',
      failNext: 1,
      error: 'throttling',
    });
    const throttled = await call(appUrl(), { headers: auth });
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toMatchObject({
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
    });
    sandbox().faults.addRule({
      id: 'x-500',
      service: 'apigee',
      failNext: 1,
      status: 500,
    });
    const internal = await call(appUrl(), { headers: auth });
    expect(internal.status).toBe(500);
    expect(internal.body.error.status).toBe('INTERNAL');
  });
});
