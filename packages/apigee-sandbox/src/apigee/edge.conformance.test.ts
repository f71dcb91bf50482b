import {
  ORDERS_EDGE_KEY,
  PAYMENTS_EDGE_KEY,
  basicAuth,
  call,
  edgeAdminAuth,
  useSandbox,
} from '../testing/helpers';

const DEV = 'orders-team@example.com';
const APP = 'orders-service';

describe('Apigee Edge / OPDK dialect', () => {
  const sandbox = useSandbox();
  const org = (alias: 'organizations' | 'o' = 'organizations') =>
    `${sandbox().url}/v1/${alias}/acme-edge`;
  const appUrl = (alias: 'organizations' | 'o' = 'organizations') =>
    `${org(alias)}/developers/${DEV}/apps/${APP}`;
  const auth = { Authorization: edgeAdminAuth };
  const createKey = (consumerKey: string, consumerSecret = 'secret_1') =>
    call(`${appUrl()}/keys/create`, {
      method: 'POST',
      headers: auth,
      json: { consumerKey, consumerSecret },
    });

  beforeEach(() => sandbox().reset());

  describe.each(['organizations', 'o'] as const)(
    'path alias /v1/%s/{org}',
    alias => {
      it('gets the developer app with credentials[] and JSON-number timestamps', async () => {
        const res = await call(appUrl(alias), { headers: auth });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          name: APP,
          status: 'approved',
          credentials: [
            {
              consumerKey: ORDERS_EDGE_KEY,
              status: 'approved',
              expiresAt: -1,
              apiProducts: [{ apiproduct: 'orders-api', status: 'approved' }],
            },
          ],
        });
        expect(typeof res.body.createdAt).toBe('number');
        expect(typeof res.body.credentials[0].issuedAt).toBe('number');
      });

      it('creates a key with 201 and deletes it with 200 + the key', async () => {
        const created = await call(`${appUrl(alias)}/keys/create`, {
          method: 'POST',
          headers: auth,
          json: {
            consumerKey: `alias-${alias}-key`,
            consumerSecret: 'alias-secret',
          },
        });
        expect(created.status).toBe(201);
        const deleted = await call(`${appUrl(alias)}/keys/alias-${alias}-key`, {
          method: 'DELETE',
          headers: auth,
        });
        expect(deleted.status).toBe(200);
        expect(deleted.body.consumerKey).toBe(`alias-${alias}-key`);
      });
    },
  );

  it('lists app names, the expanded form and pages', async () => {
    const url = `${org()}/developers/${DEV}/apps`;
    await call(url, { method: 'POST', headers: auth, json: { name: 'b-app' } });
    const names = await call(url, { headers: auth });
    expect(names.status).toBe(200);
    expect(names.body).toEqual([APP, 'b-app']);
    const expanded = await call(`${url}?expand=true`, { headers: auth });
    expect(expanded.body.app.map((a: { name: string }) => a.name)).toEqual([
      APP,
      'b-app',
    ]);
    expect(expanded.body.app[0].credentials).toHaveLength(1);
    const paged = await call(`${url}?startKey=b-app&count=1`, {
      headers: auth,
    });
    expect(paged.body).toEqual(['b-app']);
  });

  it('keys/create imports an approved key without products, omits expiresAt, ignores expiresAt/status', async () => {
    const res = await call(`${appUrl()}/keys/create`, {
      method: 'POST',
      headers: auth,
      json: {
        consumerKey: 'imported-key_1',
        consumerSecret: 'imported-secret_1',
        status: 'revoked',
        expiresAt: 1000,
        apiProducts: ['orders-api'],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      apiProducts: [],
      attributes: [],
      consumerKey: 'imported-key_1',
      consumerSecret: 'imported-secret_1',
      issuedAt: expect.any(Number),
      scopes: [],
      status: 'approved',
    });
    const got = await call(`${appUrl()}/keys/imported-key_1`, {
      headers: auth,
    });
    expect(got.status).toBe(200);
    expect(got.body.expiresAt).toBe(-1);
    expect(got.body.apiProducts).toEqual([]);
  });

  it('rejects a duplicate consumer key anywhere in the org with 409 ConsumerKeyAlreadyExists', async () => {
    const sameApp = await createKey(ORDERS_EDGE_KEY);
    const otherApp = await createKey(PAYMENTS_EDGE_KEY);
    for (const res of [sameApp, otherApp]) {
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        code: 'keymanagement.service.ConsumerKeyAlreadyExists',
        message: 'ConsumerKey already exists',
        contexts: [],
      });
    }
  });

  it('validates key and secret charset and length', async () => {
    const badChar = await createKey('has.dot');
    expect(badChar.status).toBe(400);
    expect(badChar.body.message).toMatch(/consumerKey must be 1-255/);
    const badSecret = await createKey('fine-key', 'bad secret');
    expect(badSecret.status).toBe(400);
    expect(badSecret.body.message).toMatch(/consumerSecret/);
    expect(badSecret.text).not.toContain('bad secret');
    expect((await createKey('k'.repeat(256))).status).toBe(400);
    expect((await createKey('k'.repeat(255))).status).toBe(201);
    const missing = await call(`${appUrl()}/keys/create`, {
      method: 'POST',
      headers: auth,
      json: { consumerKey: 'only-key' },
    });
    expect(missing.status).toBe(400);
  });

  it('POST keys/{key} merges products and replaces attributes', async () => {
    await createKey('merge-key');
    const url = `${appUrl()}/keys/merge-key`;
    await call(url, {
      method: 'POST',
      headers: auth,
      json: {
        apiProducts: ['orders-api'],
        attributes: [{ name: 'a', value: '1' }],
      },
    });
    const res = await call(url, {
      method: 'POST',
      headers: auth,
      json: {
        apiProducts: ['payments-api', 'orders-api'],
        attributes: [{ name: 'b', value: '2' }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.apiProducts).toEqual([
      { apiproduct: 'orders-api', status: 'approved' },
      { apiproduct: 'payments-api', status: 'approved' },
    ]);
    expect(res.body.attributes).toEqual([{ name: 'b', value: '2' }]);
  });

  it('PUT keys/{key} appends products and replaces attributes', async () => {
    await createKey('put-key');
    const url = `${appUrl()}/keys/put-key`;
    await call(url, {
      method: 'PUT',
      headers: auth,
      json: { apiProducts: ['orders-api'] },
    });
    const res = await call(url, {
      method: 'PUT',
      headers: auth,
      json: {
        apiProducts: ['payments-api'],
        attributes: [{ name: 'x', value: 'y' }],
      },
    });
    expect(res.status).toBe(200);
    expect(
      res.body.apiProducts.map((p: { apiproduct: string }) => p.apiproduct),
    ).toEqual(['orders-api', 'payments-api']);
    expect(res.body.attributes).toEqual([{ name: 'x', value: 'y' }]);
  });

  it('rejects an unknown product with 400', async () => {
    await createKey('unknown-product-key');
    const res = await call(`${appUrl()}/keys/unknown-product-key`, {
      method: 'POST',
      headers: auth,
      json: { apiProducts: ['nope-api'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(
      'keymanagement.service.apiproduct_doesnot_exist',
    );
  });

  it('approves and revokes a key with 204 and no body', async () => {
    const url = `${appUrl()}/keys/${ORDERS_EDGE_KEY}`;
    const revoke = await call(`${url}?action=revoke`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' },
    });
    expect(revoke.status).toBe(204);
    expect(revoke.text).toBe('');
    expect((await call(url, { headers: auth })).body.status).toBe('revoked');
    const approve = await call(`${url}?action=approve`, {
      method: 'POST',
      headers: auth,
    });
    expect(approve.status).toBe(204);
    expect((await call(url, { headers: auth })).body.status).toBe('approved');
    const bad = await call(`${url}?action=destroy`, {
      method: 'POST',
      headers: auth,
    });
    expect(bad.status).toBe(400);
  });

  it('leaves a manual-approval product pending until approved per product, 204', async () => {
    await createKey('manual-key');
    const url = `${appUrl()}/keys/manual-key`;
    const added = await call(url, {
      method: 'POST',
      headers: auth,
      json: { apiProducts: ['payments-admin-api'] },
    });
    expect(added.body.apiProducts).toEqual([
      { apiproduct: 'payments-admin-api', status: 'pending' },
    ]);
    const approve = await call(
      `${url}/apiproducts/payments-admin-api?action=approve`,
      {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/octet-stream' },
      },
    );
    expect(approve.status).toBe(204);
    expect((await call(url, { headers: auth })).body.apiProducts).toEqual([
      { apiproduct: 'payments-admin-api', status: 'approved' },
    ]);
    const revoke = await call(
      `${url}/apiproducts/payments-admin-api?action=revoke`,
      {
        method: 'POST',
        headers: auth,
      },
    );
    expect(revoke.status).toBe(204);
    expect(
      (await call(url, { headers: auth })).body.apiProducts[0].status,
    ).toBe('revoked');
    const notOnKey = await call(
      `${url}/apiproducts/orders-api?action=approve`,
      {
        method: 'POST',
        headers: auth,
      },
    );
    expect(notOnKey.status).toBe(404);
  });

  it('removes a product from a key with 200, and answers 500 for a product not on the key', async () => {
    const url = `${appUrl()}/keys/${ORDERS_EDGE_KEY}/apiproducts`;
    const removed = await call(`${url}/orders-api`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.consumerKey).toBe(ORDERS_EDGE_KEY);
    expect(removed.body.apiProducts).toEqual([]);
    const again = await call(`${url}/orders-api`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(again.status).toBe(500);
    expect(again.body.message).toBe(
      'APIProduct is not associated with consumer key',
    );
  });

  it('deletes a key, returning it, after which it is 404 InvalidClientIdForGivenApp', async () => {
    const url = `${appUrl()}/keys/${ORDERS_EDGE_KEY}`;
    const deleted = await call(url, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      consumerKey: ORDERS_EDGE_KEY,
      status: 'approved',
    });
    for (const method of ['GET', 'DELETE', 'PUT', 'POST']) {
      const res = await call(url, {
        method,
        headers: auth,
        json: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        code: 'keymanagement.service.InvalidClientIdForGivenApp',
        message: 'Invalid consumer key for Given App',
        contexts: [],
      });
    }
  });

  it('deletes an app with 200 + the app and its keys, after which the app and its keys are 404', async () => {
    const deleted = await call(appUrl(), { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      name: APP,
      status: 'approved',
      credentials: [{ consumerKey: ORDERS_EDGE_KEY }],
    });
    expect(typeof deleted.body.createdAt).toBe('number');

    const gone = {
      code: 'developer.service.AppDoesNotExist',
      message: `App named ${APP} does not exist under ${DEV}`,
      contexts: [],
    };
    for (const url of [appUrl(), `${appUrl()}/keys/${ORDERS_EDGE_KEY}`]) {
      const res = await call(url, { headers: auth });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(gone);
    }
    const again = await call(appUrl(), { method: 'DELETE', headers: auth });
    expect(again.status).toBe(404);
    expect(again.body).toEqual(gone);
    const names = await call(`${org()}/developers/${DEV}/apps`, {
      headers: auth,
    });
    expect(names.body).toEqual([]);
  });

  it('answers DELETE of an unknown app or developer with the same 404s as GET', async () => {
    const app = await call(`${org()}/developers/${DEV}/apps/nope`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(app.status).toBe(404);
    expect(app.body.code).toBe('developer.service.AppDoesNotExist');
    const dev = await call(
      `${org()}/developers/ghost@example.com/apps/${APP}`,
      { method: 'DELETE', headers: auth },
    );
    expect(dev.status).toBe(404);
    expect(dev.body.code).toBe('developer.service.DeveloperIdDoesNotExist');
    // The other developer's app of another name is untouched.
    const payments = await call(
      `${org()}/developers/payments-team@example.com/apps/payments-service`,
      { headers: auth },
    );
    expect(payments.status).toBe(200);
  });

  it('answers the documented 404s for unknown app and developer', async () => {
    const app = await call(`${org()}/developers/${DEV}/apps/nope/keys/create`, {
      method: 'POST',
      headers: auth,
      json: { consumerKey: 'k1', consumerSecret: 's1' },
    });
    expect(app.status).toBe(404);
    expect(app.body).toEqual({
      code: 'developer.service.AppDoesNotExist',
      message: `App named nope does not exist under ${DEV}`,
      contexts: [],
    });
    const dev = await call(
      `${org()}/developers/ghost@example.com/apps/${APP}`,
      {
        headers: auth,
      },
    );
    expect(dev.status).toBe(404);
    expect(dev.body).toEqual({
      code: 'developer.service.DeveloperIdDoesNotExist',
      message:
        'DeveloperId ghost@example.com does not exist in organization acme-edge',
      contexts: [],
    });
  });

  it('finds the developer by id or by e-mail in any case', async () => {
    const app = await call(appUrl(), { headers: auth });
    const byId = await call(
      `${org()}/developers/${app.body.developerId}/apps/${APP}`,
      {
        headers: auth,
      },
    );
    expect(byId.status).toBe(200);
    const upper = await call(
      `${org()}/developers/${DEV.toUpperCase()}/apps/${APP}`,
      {
        headers: auth,
      },
    );
    expect(upper.status).toBe(200);
  });

  it('caps the number of keys per app (configurable, default 10)', async () => {
    // The seeded app already has one key.
    for (let i = 1; i < 10; i++) {
      expect((await createKey(`cap-key-${i}`)).status).toBe(201);
    }
    const over = await createKey('cap-key-10');
    expect(over.status).toBe(400);
    expect(over.body).toEqual({
      code: 'keymanagement.service.TooManyConsumerKeys',
      message: `App ${APP} already has the maximum of 10 keys`,
      contexts: [],
    });
  });

  it('generates an Apigee-made key with expiry and replaces app attributes', async () => {
    await call(appUrl(), {
      method: 'POST',
      headers: auth,
      json: {
        name: APP,
        attributes: [{ name: 'DisplayName', value: 'Orders' }],
      },
    });
    const res = await call(appUrl(), {
      method: 'POST',
      headers: auth,
      json: {
        name: APP,
        apiProducts: ['orders-api'],
        keyExpiresIn: '86400000',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.credentials).toHaveLength(3);
    const generated = res.body.credentials[2];
    expect(generated.consumerKey).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generated.expiresAt - generated.issuedAt).toBe(86400000);
    expect(generated.apiProducts).toEqual([
      { apiproduct: 'orders-api', status: 'approved' },
    ]);
    expect(res.body.attributes).toEqual([]);
  });

  it('approves and revokes the whole app with 204', async () => {
    const revoke = await call(`${appUrl()}?action=revoke`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' },
    });
    expect(revoke.status).toBe(204);
    expect((await call(appUrl(), { headers: auth })).body.status).toBe(
      'revoked',
    );
  });

  it('creates developers (201) and apps (201) with an Apigee-generated key', async () => {
    const dev = await call(`${org()}/developers`, {
      method: 'POST',
      headers: auth,
      json: {
        email: 'new-team@example.com',
        firstName: 'New',
        lastName: 'Team',
        userName: 'new',
      },
    });
    expect(dev.status).toBe(201);
    expect(dev.body).toMatchObject({
      email: 'new-team@example.com',
      status: 'active',
    });
    const duplicateDev = await call(`${org()}/developers`, {
      method: 'POST',
      headers: auth,
      json: { email: 'NEW-team@example.com' },
    });
    expect(duplicateDev.status).toBe(409);
    const list = await call(`${org()}/developers`, { headers: auth });
    expect(list.body).toContain('new-team@example.com');
    expect(
      (
        await call(`${org()}/developers/new-team@example.com`, {
          headers: auth,
        })
      ).status,
    ).toBe(200);

    const appsUrl = `${org()}/developers/new-team@example.com/apps`;
    const app = await call(appsUrl, {
      method: 'POST',
      headers: auth,
      json: {
        name: 'new-service',
        apiProducts: ['orders-api', 'payments-admin-api'],
      },
    });
    expect(app.status).toBe(201);
    expect(app.body.credentials).toHaveLength(1);
    expect(app.body.credentials[0].apiProducts).toEqual([
      { apiproduct: 'orders-api', status: 'approved' },
      { apiproduct: 'payments-admin-api', status: 'pending' },
    ]);
    const duplicate = await call(appsUrl, {
      method: 'POST',
      headers: auth,
      json: { name: 'new-service' },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toBe(
      'App with name new-service already exists',
    );
  });

  it('lists API products', async () => {
    const res = await call(`${org()}/apiproducts`, { headers: auth });
    expect(res.body).toEqual([
      'orders-api',
      'payments-api',
      'payments-admin-api',
    ]);
    const one = await call(`${org()}/apiproducts/payments-admin-api`, {
      headers: auth,
    });
    expect(one.body).toMatchObject({
      name: 'payments-admin-api',
      approvalType: 'manual',
    });
  });

  it('requires valid Basic or Bearer credentials', async () => {
    const none = await call(appUrl());
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Basic/);
    const wrong = await call(appUrl(), {
      headers: { Authorization: basicAuth('admin@example.com', 'wrong') },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('security.Unauthorized');
    const garbage = await call(appUrl(), {
      headers: { Authorization: 'Bearer not-a-jwt' },
    });
    expect(garbage.status).toBe(401);
  });

  it('answers 404 for an unknown organization and for the /v1/o alias of an X org', async () => {
    const unknown = await call(`${sandbox().url}/v1/o/nope/developers`, {
      headers: auth,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('organizations.OrganizationDoesNotExist');
    const xViaAlias = await call(`${sandbox().url}/v1/o/acme-x/developers`, {
      headers: auth,
    });
    expect(xViaAlias.status).toBe(404);
  });

  it('answers 400 in the Edge shape for a malformed JSON body', async () => {
    const res = await call(`${appUrl()}/keys/create`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('keymanagement.service.InvalidRequest');
  });

  it('renders injected faults in the Edge format (503 and 429)', async () => {
    sandbox().faults.addRule({
      id: 'edge-503',
      service: 'apigee',
      operation: 'keys.get',
      failNext: 1,
    });
    const url = `${appUrl()}/keys/${ORDERS_EDGE_KEY}`;
    const failed = await call(url, { headers: auth });
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({
      code: 'messaging.adaptors.http.flow.ServiceUnavailable',
      message: 'The Service is temporarily unavailable',
      contexts: [],
    });
    expect((await call(url, { headers: auth })).status).toBe(200);
    sandbox().faults.addRule({
      id: 'edge-429',
      service: 'apigee',
      operation: 'keys.create',
      failNext: 1,
      error: 'too-many-requests',
    });
    const throttled = await createKey('throttled-key');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.body.code).toBe(
      'messaging.adaptors.http.flow.TooManyRequests',
    );
  });
});
