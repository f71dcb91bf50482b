import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type {
  ProvisionRequest,
  ProvisionResult,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { http, offTheDocument } from '@keyrotation/apigee-credentials-contract';
import { DefaultApigeeCredentialsService } from './DefaultApigeeCredentialsService';

const BASE_URL = 'http://backend.test/api/apigee-credentials';
const server = setupServer();

const user = mockCredentials.user('user:default/ada');

const request: ProvisionRequest = {
  requestId: 'scaffolder:task-1:provision:prod:checkout-service',
  provider: 'edge-sandbox',
  developer: 'checkout-team@example.com',
  app: 'checkout-service',
  apiProducts: ['orders-api'],
  environment: 'prod',
  secret: {
    name: 'apigee/checkout-service/prod',
    accountId: '111111111111',
    region: 'eu-west-1',
  },
  owner: 'group:default/team-orders',
};

const result: ProvisionResult = {
  requestId: request.requestId,
  dryRun: false,
  provider: 'edge-sandbox',
  developer: 'checkout-team@example.com',
  app: 'checkout-service',
  environment: 'prod',
  secretArn:
    'arn:aws:secretsmanager:eu-west-1:111111111111:secret:apigee/checkout-service/prod-AbCdEf',
  keyFingerprint: 'sha256:0123456789ab',
  created: { app: true, key: true, secret: true },
  annotations: { 'apigee.keyrotation.dev/prod': 'provider: edge-sandbox\n' },
  steps: ['created app checkout-service'],
};

function createClient() {
  return DefaultApigeeCredentialsService.create({
    auth: mockServices.auth(),
    discovery: mockServices.discovery.mock({
      getBaseUrl: async pluginId => `http://backend.test/api/${pluginId}`,
    }),
  });
}

const backstageError = (status: number, name: string, message: string) =>
  HttpResponse.json(
    { error: { name, message }, response: { statusCode: status } },
    { status },
  );

describe('DefaultApigeeCredentialsService', () => {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  describe('provision', () => {
    it('posts the request with a token issued on behalf of the caller', async () => {
      let seen: { auth: string | null; body: unknown } | undefined;
      server.use(
        http.post(`${BASE_URL}/v1/provisions`, async ({ request: req }) => {
          seen = {
            auth: req.headers.get('authorization'),
            body: await req.json(),
          };
          return HttpResponse.json(result, { status: 201 });
        }),
      );

      await expect(
        createClient().provision(request, { credentials: user }),
      ).resolves.toEqual(result);
      expect(seen?.body).toEqual(request);
      // The backend must see the user, not the scaffolder: the token carries `obo`.
      expect(seen?.auth).toBe(
        `Bearer ${mockCredentials.service.token({
          onBehalfOf: user,
          targetPluginId: 'apigee-credentials',
        })}`,
      );
    });

    it('accepts 200 for an idempotent repeat of the same request id', async () => {
      server.use(
        http.post(`${BASE_URL}/v1/provisions`, () =>
          HttpResponse.json(result, { status: 200 }),
        ),
      );
      await expect(
        createClient().provision(request, { credentials: user }),
      ).resolves.toEqual(result);
    });

    it('keeps only the fields of ProvisionResult from the answer', async () => {
      const leak = 'sandbox-LEAKED-consumer-secret-9f8e7d';
      server.use(
        http.post(`${BASE_URL}/v1/provisions`, () =>
          offTheDocument(
            HttpResponse.json(
              {
                ...result,
                consumerSecret: leak,
                created: { ...result.created, secret: true, value: leak },
              },
              { status: 201 },
            ),
            'a backend that leaks a consumer secret',
          ),
        ),
      );
      const answer = await createClient().provision(request, {
        credentials: user,
      });
      expect(JSON.stringify(answer)).not.toContain(leak);
      expect(answer).toEqual(result);
    });

    it('refuses an answer that is not a ProvisionResult, naming fields but no values', async () => {
      server.use(
        http.post(`${BASE_URL}/v1/provisions`, () =>
          offTheDocument(
            HttpResponse.json(
              { ...result, app: 42, steps: 'nope' },
              { status: 201 },
            ),
            'a backend whose answer has the wrong types',
          ),
        ),
      );
      await expect(
        createClient().provision(request, { credentials: user }),
      ).rejects.toThrow(
        'The apigee-credentials backend answered a provision request with an unexpected body (fields: app, steps)',
      );
    });

    it.each([
      [400, 'InputError', InputError],
      [403, 'NotAllowedError', NotAllowedError],
      [409, 'ConflictError', ConflictError],
      [503, 'ServiceUnavailableError', ServiceUnavailableError],
    ])(
      'maps a %i answer to %s with the backend message',
      async (status, name, type) => {
        server.use(
          http.post(`${BASE_URL}/v1/provisions`, () =>
            backstageError(status, name, 'the backend explains why'),
          ),
        );
        const error = await createClient()
          .provision(request, { credentials: user })
          .catch(e => e);
        expect(error).toBeInstanceOf(type);
        expect(error.message).toBe(
          `Provisioning Apigee credentials (request ${request.requestId}) failed: the backend explains why`,
        );
      },
    );

    it('reports a status without an error type of its own (500) with the status and the backend error name and message', async () => {
      server.use(
        http.post(`${BASE_URL}/v1/provisions`, () =>
          backstageError(
            500,
            'KeyProviderError',
            'Apigee refused the key import; the key and secret created by this request were removed',
          ),
        ),
      );
      const error = await createClient()
        .provision(request, { credentials: user })
        .catch(e => e);
      expect(error.name).toBe('KeyProviderError');
      expect(error.message).toBe(
        `Provisioning Apigee credentials (request ${request.requestId}) failed with HTTP 500; ` +
          'caused by KeyProviderError: Apigee refused the key import; the key and secret created by this request were removed',
      );
    });

    it('gives a readable, bounded error for a non-JSON error page', async () => {
      server.use(
        http.post(`${BASE_URL}/v1/provisions`, () =>
          offTheDocument(
            new HttpResponse(`<html>${'x'.repeat(5000)}</html>`, {
              status: 504,
              statusText: 'Gateway Timeout',
              headers: { 'content-type': 'text/html' },
            }),
            "a proxy's error page, not the backend's answer",
          ),
        ),
      );
      const error = await createClient()
        .provision(request, { credentials: user })
        .catch(e => e);
      expect(error.message).toMatch(
        /failed with HTTP 504; caused by Error: Request failed with status 504/,
      );
      expect(error.message.length).toBeLessThan(800);
    });

    it('passes the abort signal to the request', async () => {
      server.use(
        http.post(`${BASE_URL}/v1/provisions`, async () => {
          await new Promise(resolve => setTimeout(resolve, 1_000));
          return HttpResponse.json(result, { status: 201 });
        }),
      );
      const controller = new AbortController();
      const call = createClient().provision(request, {
        credentials: user,
        signal: controller.signal,
      });
      controller.abort();
      await expect(call).rejects.toThrow(/abort/i);
    });
  });

  describe('getCredentials', () => {
    it('reads the credentials of an entity from its entity path', async () => {
      server.use(
        http.get(
          `${BASE_URL}/v1/entities/default/component/orders-service/credentials`,
          ({ request: req }) => {
            expect(req.headers.get('authorization')).toMatch(/^Bearer /);
            return offTheDocument(
              HttpResponse.json({
                items: [
                  {
                    id: 'prod',
                    entityRef: 'component:default/orders-service',
                    environment: 'prod',
                    status: 'ok',
                    keyFingerprint: 'sha256:aaaaaaaaaaaa',
                    pendingDeletions: [],
                    oldKeys: [],
                    retireOldKeys: 'traffic',
                    consumerSecret: 'must-not-pass',
                  },
                ],
              }),
              'a backend that sends a field it must not',
            );
          },
        ),
      );
      const page = await createClient().getCredentials(
        'component:orders-service',
        {
          credentials: user,
        },
      );
      expect(page).toEqual({
        items: [
          {
            id: 'prod',
            entityRef: 'component:default/orders-service',
            environment: 'prod',
            status: 'ok',
            keyFingerprint: 'sha256:aaaaaaaaaaaa',
            pendingDeletions: [],
            oldKeys: [],
            retireOldKeys: 'traffic',
          },
        ],
      });
    });

    it('maps a 403 to NotAllowedError', async () => {
      server.use(
        http.get(
          `${BASE_URL}/v1/entities/default/component/orders-service/credentials`,
          () => backstageError(403, 'NotAllowedError', 'not allowed to read'),
        ),
      );
      await expect(
        createClient().getCredentials('component:default/orders-service', {
          credentials: user,
        }),
      ).rejects.toThrow(NotAllowedError);
    });

    it('refuses an entity ref without a kind', async () => {
      await expect(
        createClient().getCredentials('orders-service', { credentials: user }),
      ).rejects.toThrow(/kind/);
    });
  });
});
