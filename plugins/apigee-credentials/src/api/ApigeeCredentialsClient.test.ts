import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  mockApis,
  MockFetchApi,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { ApigeeCredentialsClient } from './ApigeeCredentialsClient';
import { credential, oldKey, rotation } from '../__testUtils__/fixtures';
import { http } from '@keyrotation/apigee-credentials-contract';

const BASE = 'http://backstage.test/api/apigee-credentials';
const server = setupServer();
registerMswTestHooks(server);

const client = new ApigeeCredentialsClient({
  discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
  fetchApi: new MockFetchApi(),
});
const entityRef = {
  kind: 'Component',
  namespace: 'Default',
  name: 'orders-service',
};

describe('ApigeeCredentialsClient', () => {
  it('lists the credentials of an entity, with kind and namespace lower-cased', async () => {
    const prod = credential();
    server.use(
      http.get(
        `${BASE}/v1/entities/default/component/orders-service/credentials`,
        () => HttpResponse.json({ items: [prod] }),
      ),
    );
    await expect(client.getEntityCredentials(entityRef)).resolves.toEqual([
      prod,
    ]);
  });

  it('encodes path segments and passes paging to the history endpoint', async () => {
    let url: URL | undefined;
    server.use(
      http.get(
        `${BASE}/v1/entities/*`,
        ({ request }) => {
          url = new URL(request.url);
          return HttpResponse.json({ items: [], nextCursor: '2' });
        },
        { requestOffTheDocument: 'a name and a binding id that need encoding' },
      ),
    );
    await expect(
      client.getRotationHistory(
        { kind: 'component', namespace: 'default', name: 'a b' },
        'pr/od',
        { cursor: '1', limit: 10 },
      ),
    ).resolves.toEqual({ items: [], nextCursor: '2' });
    expect(url?.pathname).toBe(
      '/api/apigee-credentials/v1/entities/default/component/a%20b/credentials/pr%2Fod/history',
    );
    expect(url?.searchParams.get('cursor')).toBe('1');
    expect(url?.searchParams.get('limit')).toBe('10');
  });

  it('starts a rotation with a POST and returns its id', async () => {
    server.use(
      http.post(
        `${BASE}/v1/entities/default/component/orders-service/credentials/prod/rotate`,
        () => HttpResponse.json({ id: 'rot-1' }, { status: 202 }),
      ),
    );
    await expect(client.rotate(entityRef, 'prod')).resolves.toEqual({
      id: 'rot-1',
    });
  });

  it('asks the backend to revoke the old key when rotating a leaked key', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${BASE}/v1/entities/*`, async ({ request }) => {
        bodies.push(
          request.headers.get('Content-Type') === 'application/json'
            ? await request.json()
            : await request.text(),
        );
        return HttpResponse.json({ id: 'rot-1' }, { status: 202 });
      }),
    );
    await client.rotate(entityRef, 'prod', { revokeOldKey: true });
    await client.rotate(entityRef, 'prod', { revokeOldKey: false });
    // Without the option the request has no body, as before the option existed.
    expect(bodies).toEqual([{ revokeOldKey: true }, '']);
  });

  describe('old keys', () => {
    const OLD_KEY = `${BASE}/v1/entities/default/component/orders-service/credentials/pr%2Fod/old-keys/sha256%3A0123456789ab`;

    it('reads the traffic of an old key, with the fingerprint encoded', async () => {
      const traffic = {
        calls: 42,
        windowStart: '2024-05-01T09:00:00Z',
        checkedAt: '2024-05-01T10:00:00Z',
        sources: [{ proxy: 'orders-v1', calls: 42 }],
      };
      let pathname: string | undefined;
      server.use(
        http.get(
          `${BASE}/v1/entities/*`,
          ({ request }) => {
            pathname = new URL(request.url).pathname;
            return HttpResponse.json(traffic);
          },
          { requestOffTheDocument: 'a binding id that needs encoding' },
        ),
      );
      await expect(
        client.getOldKeyTraffic(entityRef, 'pr/od', 'sha256:0123456789ab'),
      ).resolves.toEqual(traffic);
      expect(`http://backstage.test${pathname}`).toBe(`${OLD_KEY}/traffic`);
    });

    it.each([
      ['revokeOldKey', 'revoke', 'revoked'],
      ['restoreOldKey', 'restore', 'in-use'],
    ] as const)(
      '%s POSTs to the old key and returns the key it answers',
      async (method, action, state) => {
        let posted: string | undefined;
        server.use(
          http.post(
            `${BASE}/v1/entities/*`,
            ({ request }) => {
              posted = request.url;
              return HttpResponse.json(
                oldKey({ keyFingerprint: 'sha256:0123456789ab', state }),
              );
            },
            { requestOffTheDocument: 'a binding id that needs encoding' },
          ),
        );
        await expect(
          client[method](entityRef, 'pr/od', 'sha256:0123456789ab'),
        ).resolves.toMatchObject({ state });
        expect(posted).toBe(`${OLD_KEY}/${action}`);
      },
    );

    it('rejects with the reason when analytics is down (503)', async () => {
      server.use(
        http.get(`${BASE}/v1/entities/*`, () =>
          HttpResponse.json(
            {
              error: {
                name: 'ServiceUnavailableError',
                message: 'analytics is not configured for prod',
              },
              response: { statusCode: 503 },
            },
            { status: 503 },
          ),
        ),
      );
      const error = await client
        .getOldKeyTraffic(entityRef, 'prod', 'sha256:0123456789ab')
        .catch(e => e);
      expect(ResponseError.is(error)).toBe(true);
      expect(error.statusCode).toBe(503);
      expect(error.cause.message).toBe('analytics is not configured for prod');
    });
  });

  it('pauses with the reason as JSON and resumes on a 204', async () => {
    const requests: Array<{ path: string; body: unknown }> = [];
    server.use(
      http.post(`${BASE}/v1/entities/*`, async ({ request }) => {
        const path = new URL(request.url).pathname.split('/').pop()!;
        requests.push({
          path,
          body: path === 'pause' ? await request.json() : undefined,
        });
        return path === 'pause'
          ? HttpResponse.json({
              by: 'user:default/jane',
              at: '2024-05-01T10:00:00Z',
              reason: 'release freeze',
            })
          : new HttpResponse(null, { status: 204 });
      }),
    );
    await expect(
      client.pause(entityRef, 'prod', 'release freeze'),
    ).resolves.toMatchObject({ by: 'user:default/jane' });
    await expect(client.resume(entityRef, 'prod')).resolves.toBeUndefined();
    expect(requests).toEqual([
      { path: 'pause', body: { reason: 'release freeze' } },
      { path: 'resume', body: undefined },
    ]);
  });

  it.each([
    ['checkNow', 'check'],
    ['approve', 'approve'],
  ] as const)(
    '%s POSTs to the binding and returns the credential it answers',
    async (method, action) => {
      let posted: URL | undefined;
      const answer = credential({ id: 'pr/od' });
      server.use(
        http.post(
          `${BASE}/v1/entities/*`,
          ({ request }) => {
            posted = new URL(request.url);
            return HttpResponse.json(answer);
          },
          { requestOffTheDocument: 'a binding id that needs encoding' },
        ),
      );
      await expect(client[method](entityRef, 'pr/od')).resolves.toEqual(answer);
      expect(posted?.pathname).toBe(
        `/api/apigee-credentials/v1/entities/default/component/orders-service/credentials/pr%2Fod/${action}`,
      );
    },
  );

  it('reads one rotation', async () => {
    server.use(
      http.get(`${BASE}/v1/rotations/rot-1`, () =>
        HttpResponse.json(
          rotation({ id: 'rot-1', status: 'running', phase: 'created' }),
        ),
      ),
    );
    await expect(client.getRotation('rot-1')).resolves.toMatchObject({
      status: 'running',
    });
  });

  it('passes the fleet filters and leaves out empty ones', async () => {
    let url: URL | undefined;
    server.use(
      http.get(`${BASE}/v1/credentials`, ({ request }) => {
        url = new URL(request.url);
        return HttpResponse.json({ items: [] });
      }),
    );
    await client.listCredentials({ status: 'drift', limit: 50 });
    expect(Object.fromEntries(url!.searchParams)).toEqual({
      status: 'drift',
      limit: '50',
    });
    await client.listCredentials({ oldKeyInUse: true, paused: true });
    expect(Object.fromEntries(url!.searchParams)).toEqual({
      oldKeyInUse: 'true',
      paused: 'true',
    });
  });

  it('rejects with a ResponseError that keeps the status and headers', async () => {
    server.use(
      http.post(`${BASE}/v1/entities/*`, () =>
        HttpResponse.json(
          {
            error: { name: 'TooManyRequests', message: 'cooling down' },
            response: { statusCode: 429 },
          },
          { status: 429, headers: { 'Retry-After': '120' } },
        ),
      ),
    );
    const error = await client.rotate(entityRef, 'prod').catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(429);
    expect(error.cause.message).toBe('cooling down');
    expect(error.response.headers.get('Retry-After')).toBe('120');
  });
});
