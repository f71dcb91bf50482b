import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  mockApis,
  MockFetchApi,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { ApigeeCredentialsClient } from './ApigeeCredentialsClient';

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
    server.use(
      http.get(
        `${BASE}/v1/entities/default/component/orders-service/credentials`,
        () => HttpResponse.json({ items: [{ id: 'prod' }] }),
      ),
    );
    await expect(client.getEntityCredentials(entityRef)).resolves.toEqual([
      { id: 'prod' },
    ]);
  });

  it('encodes path segments and passes paging to the history endpoint', async () => {
    let url: URL | undefined;
    server.use(
      http.get(`${BASE}/v1/entities/*`, ({ request }) => {
        url = new URL(request.url);
        return HttpResponse.json({ items: [], nextCursor: 'next' });
      }),
    );
    await expect(
      client.getRotationHistory(
        { kind: 'component', namespace: 'default', name: 'a b' },
        'pr/od',
        { cursor: 'c1', limit: 10 },
      ),
    ).resolves.toEqual({ items: [], nextCursor: 'next' });
    expect(url?.pathname).toBe(
      '/api/apigee-credentials/v1/entities/default/component/a%20b/credentials/pr%2Fod/history',
    );
    expect(url?.searchParams.get('cursor')).toBe('c1');
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

  it.each([
    ['checkNow', 'check'],
    ['approve', 'approve'],
  ] as const)(
    '%s POSTs to the binding and returns the credential it answers',
    async (method, action) => {
      let posted: URL | undefined;
      server.use(
        http.post(`${BASE}/v1/entities/*`, ({ request }) => {
          posted = new URL(request.url);
          return HttpResponse.json({ id: 'pr/od', status: 'ok' });
        }),
      );
      await expect(client[method](entityRef, 'pr/od')).resolves.toEqual({
        id: 'pr/od',
        status: 'ok',
      });
      expect(posted?.pathname).toBe(
        `/api/apigee-credentials/v1/entities/default/component/orders-service/credentials/pr%2Fod/${action}`,
      );
    },
  );

  it('reads one rotation', async () => {
    server.use(
      http.get(`${BASE}/v1/rotations/rot-1`, () =>
        HttpResponse.json({ id: 'rot-1', status: 'running', phase: 'created' }),
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
