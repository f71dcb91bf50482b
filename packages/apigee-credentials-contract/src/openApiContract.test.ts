import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  http,
  offTheDocument,
  problemsOfReply,
  problemsOfRequest,
  takeContractViolations,
} from './openApiContract';

const BASE = 'http://backend.test/api/apigee-credentials';
const CREDENTIALS = `${BASE}/v1/entities/default/component/orders-service/credentials`;

const credential = {
  id: 'prod',
  entityRef: 'component:default/orders-service',
  environment: 'prod',
  status: 'ok',
  ageDays: 3,
  pendingDeletions: [],
  oldKeys: [],
  retireOldKeys: 'traffic',
};

const post = (url: string, body?: unknown) =>
  new Request(url, {
    method: 'POST',
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });

describe('openApiContract', () => {
  describe('replies', () => {
    it('accepts a reply that matches the document', async () => {
      await expect(
        problemsOfReply('GET', CREDENTIALS, 200, { items: [credential] }),
      ).resolves.toEqual([]);
    });

    it('names the field and the rule a reply breaks', async () => {
      await expect(
        problemsOfReply('GET', CREDENTIALS, 200, {
          items: [{ ...credential, ageDays: '3', keyFingerprint: undefined }],
        }),
      ).resolves.toEqual(['body/items/0/ageDays must be integer']);
      await expect(
        problemsOfReply('GET', CREDENTIALS, 200, {
          items: [{ ...credential, status: 'late', secretValue: 'x' }],
        }),
      ).resolves.toEqual([
        'body/items/0 must NOT have additional properties (secretValue)',
        'body/items/0/status must be equal to one of the allowed values (ok, due-soon, overdue, rotating, failed, drift, misconfigured, unverified)',
      ]);
    });

    it('refuses a status the operation does not document, except an unexpected 500', async () => {
      const error = {
        error: { name: 'Error', message: 'boom' },
        response: { statusCode: 500 },
      };
      await expect(
        problemsOfReply('POST', `${CREDENTIALS}/prod/check`, 502, error),
      ).resolves.toEqual([
        'status 502 is not documented (documented: 200, 400, 401, 403, 404)',
      ]);
      await expect(
        problemsOfReply('POST', `${CREDENTIALS}/prod/check`, 500, error),
      ).resolves.toEqual([]);
      await expect(
        problemsOfReply('POST', `${CREDENTIALS}/prod/check`, 500, {
          message: 'boom',
        }),
      ).resolves.toEqual([
        "body must have required property 'error'",
        "body must have required property 'response'",
      ]);
    });

    it('refuses a missing body where the document gives one', async () => {
      await expect(
        problemsOfReply('POST', `${CREDENTIALS}/prod/resume`, 204, undefined),
      ).resolves.toEqual([]);
      await expect(
        problemsOfReply('POST', `${CREDENTIALS}/prod/rotate`, 202, undefined),
      ).resolves.toEqual(['no body, but status 202 documents one']);
    });

    it('refuses a path the document does not have', async () => {
      await expect(
        problemsOfReply('GET', `${BASE}/v1/credentialz`, 200, { items: [] }),
      ).resolves.toEqual(['no documented path matches GET /v1/credentialz']);
      await expect(
        problemsOfReply('DELETE', CREDENTIALS, 204, undefined),
      ).resolves.toEqual([
        '/v1/entities/{namespace}/{kind}/{name}/credentials documents no DELETE (asked: DELETE /v1/entities/default/component/orders-service/credentials)',
      ]);
    });
  });

  describe('requests', () => {
    it('checks the path parameters, decoded', async () => {
      const oldKey = `${CREDENTIALS}/prod/old-keys/sha256%3A0a1b2c3d4e5f`;
      await expect(
        problemsOfRequest(new Request(`${oldKey}/traffic`)),
      ).resolves.toEqual([]);
      await expect(
        problemsOfRequest(
          new Request(
            `${BASE}/v1/entities/default/component/a%20b/credentials`,
          ),
        ),
      ).resolves.toEqual([
        'path parameter name must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"',
      ]);
    });

    it('checks the query parameters as the document types them', async () => {
      await expect(
        problemsOfRequest(
          new Request(
            `${BASE}/v1/credentials?status=overdue,failed&paused=true&limit=50`,
          ),
        ),
      ).resolves.toEqual([]);
      await expect(
        problemsOfRequest(
          new Request(`${BASE}/v1/credentials?status=late&limit=0&sort=age`),
        ),
      ).resolves.toEqual([
        'query parameter status/0 must be equal to one of the allowed values (ok, due-soon, overdue, rotating, failed, drift, misconfigured, unverified)',
        'query parameter limit must be >= 1',
        'query parameter sort is not documented',
      ]);
    });

    it('checks the body against the request body schema', async () => {
      await expect(
        problemsOfRequest(post(`${CREDENTIALS}/prod/rotate`)),
      ).resolves.toEqual([]);
      await expect(
        problemsOfRequest(post(`${CREDENTIALS}/prod/rotate`, { revoke: true })),
      ).resolves.toEqual(['body must NOT have additional properties (revoke)']);
      await expect(
        problemsOfRequest(post(`${CREDENTIALS}/prod/pause`)),
      ).resolves.toEqual(['body required, but none sent']);
      await expect(
        problemsOfRequest(post(`${CREDENTIALS}/prod/check`, {})),
      ).resolves.toEqual(['body sent, but the operation takes none']);
    });
  });

  describe('through msw', () => {
    const server = setupServer();
    beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
    // msw logs the error each mismatch throws in its handler.
    beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => {}));
    afterEach(() => {
      server.resetHandlers();
      jest.restoreAllMocks();
    });
    afterAll(() => server.close());

    it('passes a matching reply through', async () => {
      server.use(
        http.get(`${BASE}/v1/entities/*`, () =>
          HttpResponse.json({ items: [credential] }),
        ),
      );
      const response = await fetch(CREDENTIALS);
      expect(response.status).toBe(200);
      await expect(response.json()).resolves.toEqual({ items: [credential] });
    });

    it('fails the test with the operation, the status and the mismatch, and keeps the reply from the code under test', async () => {
      server.use(
        http.get(`${BASE}/v1/entities/*`, () =>
          HttpResponse.json({ items: [{ ...credential, ageDays: '3' }] }),
        ),
      );
      const response = await fetch(CREDENTIALS);
      expect(response.status).toBe(500);
      expect(takeContractViolations()).toEqual([
        'OpenAPI document of the apigee-credentials backend: the reply of ListEntityCredentials (GET /v1/entities/{namespace}/{kind}/{name}/credentials) with status 200 does not match: body/items/0/ageDays must be integer',
      ]);
    });

    it('fails on a request off the document before the reply is made', async () => {
      const resolver = jest.fn(() => HttpResponse.json({ id: 'rot-1' }));
      server.use(http.post(`${BASE}/v1/entities/*`, resolver));
      await fetch(`${CREDENTIALS}/Prod/rotate`, { method: 'POST' });
      expect(resolver).not.toHaveBeenCalled();
      expect(takeContractViolations()).toEqual([
        'OpenAPI document of the apigee-credentials backend: the request to RotateCredential (POST /v1/entities/{namespace}/{kind}/{name}/credentials/{bindingId}/rotate) does not match: path parameter bindingId must match pattern "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"',
      ]);
    });

    it('lets a test break the document on purpose, and only then', async () => {
      server.use(
        http.get(`${BASE}/v1/entities/*`, () =>
          offTheDocument(
            HttpResponse.json({ items: [{ ...credential, leak: 'x' }] }),
            'a misbehaving backend',
          ),
        ),
        http.post(
          `${BASE}/v1/entities/*`,
          () => HttpResponse.json(credential),
          { requestOffTheDocument: 'a binding id that needs encoding' },
        ),
      );
      expect((await fetch(CREDENTIALS)).status).toBe(200);
      expect(
        (await fetch(`${CREDENTIALS}/pr%2Fod/check`, { method: 'POST' }))
          .status,
      ).toBe(200);
      expect(takeContractViolations()).toEqual([]);

      await fetch(`${CREDENTIALS}/prod/check`, { method: 'POST' });
      expect(takeContractViolations()).toEqual([
        'OpenAPI document of the apigee-credentials backend: the request to CheckCredential (POST /v1/entities/{namespace}/{kind}/{name}/credentials/{bindingId}/check) is marked off the document (a binding id that needs encoding) but matches it',
      ]);
      server.use(
        http.get(`${BASE}/v1/entities/*`, () =>
          offTheDocument(HttpResponse.json({ items: [] }), 'a leak'),
        ),
      );
      await fetch(CREDENTIALS);
      expect(takeContractViolations()).toEqual([
        'OpenAPI document of the apigee-credentials backend: the reply of ListEntityCredentials (GET /v1/entities/{namespace}/{kind}/{name}/credentials) with status 200 is marked off the document (a leak) but matches it',
      ]);
    });
  });
});
