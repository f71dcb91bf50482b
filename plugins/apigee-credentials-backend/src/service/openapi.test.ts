import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import { NotImplementedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import express from 'express';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { ProvisioningService } from '../provisioning/ProvisioningService';
import { validateProvisionRequest } from '../provisioning/provisionRequest';
import { spec } from '../schema/openapi';
import { createRouter } from './router';

/*
 * The OpenAPI document is the contract the router enforces: a request it forbids is answered
 * 400, in Backstage's error body and with a message naming the problem, before any handler
 * runs. Every dependency of the router here answers 501 when called, so a 501 shows that a
 * request passed validation and reached its handler.
 */

const yamlPath = resolve(__dirname, '../schema/openapi.yaml');

async function start() {
  /** What the router asked of its dependencies, `service.authorize` and the like. */
  const called: string[] = [];
  const neverCalled = (name: string) =>
    new Proxy({} as any, {
      get: (_target, property) =>
        typeof property !== 'string' || property === 'then'
          ? undefined
          : async () => {
              called.push(`${name}.${property}`);
              throw new NotImplementedError('reached');
            },
    });
  const httpAuth = mockServices.httpAuth.mock();
  httpAuth.credentials.mockResolvedValue(mockCredentials.user() as any);
  const auditor = mockServices.auditor.mock();
  auditor.createEvent.mockResolvedValue({
    success: jest.fn(),
    fail: jest.fn(),
  } as any);
  const router = await createRouter({
    logger: mockServices.logger.mock(),
    httpAuth,
    permissions: neverCalled('permissions'),
    bindings: neverCalled('bindings'),
    readModel: neverCalled('readModel'),
    service: neverCalled('service'),
    provisioning: new ProvisioningService({
      provisioner: neverCalled('provisioner'),
      permissions: {
        authorize: async (requests: unknown[]) =>
          requests.map(() => ({ result: AuthorizeResult.ALLOW })),
      } as any,
      auditor,
      userInfo: neverCalled('userInfo'),
      settings: { allowedApiProducts: new Map(), provisionsPerUserPerHour: 9 },
    }),
    statusSettings: { maxAgeMs: 1, dueSoonMs: 1 },
  });
  const app = express().use('/api/apigee-credentials', router);
  app.use(mockErrorHandler());
  return { app, httpAuth, called };
}

const ENTITY = '/v1/entities/default/component/orders-service/credentials';
const BINDING = `${ENTITY}/prod`;
const OLD_KEY = `${BINDING}/old-keys/sha256%3A0123456789ab`;
const provision = {
  requestId: 'scaffolder:task-1',
  provider: 'acme-edge',
  developer: 'orders-team@example.com',
  app: 'checkout',
  apiProducts: ['orders-api'],
  environment: 'prod',
  secret: {
    name: 'checkout/prod',
    accountId: '111111111111',
    region: 'eu-west-1',
  },
  owner: 'team-orders',
};

type Case = [
  routes: string,
  what: string,
  method: 'get' | 'post',
  path: string,
  body: object | undefined,
  message: RegExp,
];

/** Requests the spec forbids, by route class, with what the answer must say. */
const forbidden: Case[] = [
  [
    'entity',
    'a namespace with a slash',
    'get',
    '/v1/entities/de%2Ffault/component/x/credentials',
    undefined,
    /invalid namespace: namespace must match pattern/,
  ],
  [
    'entity',
    'kind `..`',
    'get',
    '/v1/entities/default/%2E%2E/x/credentials',
    undefined,
    /invalid kind/,
  ],
  [
    'entity',
    "name `a' OR 1=1`",
    'get',
    "/v1/entities/default/component/a'%20OR%201%3D1/credentials",
    undefined,
    /invalid name/,
  ],
  [
    'entity',
    'an unknown query parameter',
    'get',
    `${ENTITY}?force=1`,
    undefined,
    /unknown query parameter 'force'/,
  ],
  [
    'binding',
    'history: a cursor that is not a number',
    'get',
    `${BINDING}/history?cursor=abc`,
    undefined,
    /invalid cursor/,
  ],
  [
    'binding',
    'history: a limit of the wrong type',
    'get',
    `${BINDING}/history?limit=ten`,
    undefined,
    /invalid limit: limit must be integer/,
  ],
  [
    'binding',
    'history: a limit over the maximum',
    'get',
    `${BINDING}/history?limit=101`,
    undefined,
    /invalid limit: limit must be <= 100/,
  ],
  [
    'binding',
    'rotate: binding id `Prod_Env`',
    'post',
    `${ENTITY}/Prod_Env/rotate`,
    undefined,
    /invalid binding id: bindingId must match pattern/,
  ],
  [
    'binding',
    'rotate: an unknown body field',
    'post',
    `${BINDING}/rotate`,
    { force: true },
    /invalid body: must NOT have additional properties \(force\)/,
  ],
  [
    'binding',
    'rotate: revokeOldKey of the wrong type',
    'post',
    `${BINDING}/rotate`,
    { revokeOldKey: 'yes' },
    /invalid body: revokeOldKey must be boolean/,
  ],
  [
    'binding',
    'check: binding id `..`',
    'post',
    `${ENTITY}/%2E%2E/check`,
    undefined,
    /invalid binding id/,
  ],
  [
    'binding',
    'approve: binding id ending in `-`',
    'post',
    `${ENTITY}/prod-/approve`,
    undefined,
    /invalid binding id/,
  ],
  [
    'binding',
    'pause: no body',
    'post',
    `${BINDING}/pause`,
    undefined,
    /send a JSON body/,
  ],
  [
    'binding',
    'pause: the reason missing',
    'post',
    `${BINDING}/pause`,
    {},
    /invalid body: must have required property 'reason'/,
  ],
  [
    'binding',
    'pause: a blank reason',
    'post',
    `${BINDING}/pause`,
    { reason: '   ' },
    /invalid body: reason must match pattern/,
  ],
  [
    'binding',
    'pause: a reason over 500 characters',
    'post',
    `${BINDING}/pause`,
    { reason: 'x'.repeat(501) },
    /reason must NOT have more than 500 characters/,
  ],
  [
    'binding',
    'pause: a reason of the wrong type',
    'post',
    `${BINDING}/pause`,
    { reason: 42 },
    /reason must be string/,
  ],
  [
    'binding',
    'pause: an unknown body field',
    'post',
    `${BINDING}/pause`,
    { reason: 'freeze', until: 'monday' },
    /additional properties \(until\)/,
  ],
  [
    'binding',
    'resume: binding id with a dot',
    'post',
    `${ENTITY}/pr.od/resume`,
    undefined,
    /invalid binding id/,
  ],
  [
    'old key',
    'traffic: a sha1 fingerprint',
    'get',
    `${BINDING}/old-keys/sha1%3A0123456789ab/traffic`,
    undefined,
    /invalid key fingerprint: keyFingerprint must match pattern/,
  ],
  [
    'old key',
    'revoke: upper-case hex',
    'post',
    `${BINDING}/old-keys/sha256%3A0123456789AB/revoke`,
    undefined,
    /invalid key fingerprint/,
  ],
  [
    'old key',
    'restore: a short fingerprint',
    'post',
    `${BINDING}/old-keys/sha256%3A0123/restore`,
    undefined,
    /invalid key fingerprint/,
  ],
  [
    'rotation',
    'an id with a space',
    'get',
    '/v1/rotations/not%20an%20id',
    undefined,
    /invalid rotation id/,
  ],
  [
    'fleet',
    'status not a status',
    'get',
    '/v1/credentials?status=pwned',
    undefined,
    /invalid status: status\.0 must be equal to one of the allowed values: ok, due-soon/,
  ],
  [
    'fleet',
    'one bad status of two',
    'get',
    '/v1/credentials?status=ok,pwned',
    undefined,
    /invalid status: status\.1/,
  ],
  [
    'fleet',
    'a limit of 0',
    'get',
    '/v1/credentials?limit=0',
    undefined,
    /invalid limit: limit must be >= 1/,
  ],
  [
    'fleet',
    'an owner over 255 characters',
    'get',
    `/v1/credentials?owner=${'x'.repeat(256)}`,
    undefined,
    /invalid owner/,
  ],
  [
    'fleet',
    'oldKeyInUse not a boolean word',
    'get',
    '/v1/credentials?oldKeyInUse=yes',
    undefined,
    /invalid old key in use/,
  ],
  [
    'fleet',
    'an unknown query parameter',
    'get',
    '/v1/credentials?sort=age',
    undefined,
    /unknown query parameter 'sort'/,
  ],
  [
    'provision',
    'an unknown field',
    'post',
    '/v1/provisions',
    { ...provision, consumerSecret: 'x' },
    /consumerSecret/,
  ],
  [
    'provision',
    'requestId missing',
    'post',
    '/v1/provisions',
    { ...provision, requestId: undefined },
    /requestId/,
  ],
  [
    'provision',
    'apiProducts not a list',
    'post',
    '/v1/provisions',
    { ...provision, apiProducts: 'orders-api' },
    /apiProducts/,
  ],
  [
    'provision',
    'a 3-digit account id',
    'post',
    '/v1/provisions',
    { ...provision, secret: { ...provision.secret, accountId: '111' } },
    /secret\.accountId/,
  ],
  [
    'provision',
    'dryRun of the wrong type',
    'post',
    '/v1/provisions',
    { ...provision, dryRun: 'yes' },
    /dryRun/,
  ],
];

/** Requests the spec allows, one or more per route class: they reach their handler. */
const allowed: Array<[string, 'get' | 'post', string, object | undefined]> = [
  ['entity', 'get', ENTITY, undefined],
  ['binding', 'get', `${BINDING}/history?cursor=20&limit=5`, undefined],
  ['binding', 'post', `${BINDING}/rotate`, undefined],
  ['binding', 'post', `${BINDING}/rotate`, { revokeOldKey: true }],
  ['binding', 'post', `${BINDING}/check`, undefined],
  ['binding', 'post', `${BINDING}/approve`, undefined],
  ['binding', 'post', `${BINDING}/pause`, { reason: 'release freeze' }],
  ['binding', 'post', `${BINDING}/resume`, undefined],
  ['old key', 'get', `${OLD_KEY}/traffic`, undefined],
  ['old key', 'post', `${OLD_KEY}/revoke`, undefined],
  [
    'old key',
    'post',
    `${BINDING}/old-keys/sha256:0123456789ab/restore`,
    undefined,
  ],
  [
    'rotation',
    'get',
    '/v1/rotations/0b6e7c1e-4f1a-4d5e-9a43-2b7f7e0c9d11',
    undefined,
  ],
  [
    'fleet',
    'get',
    '/v1/credentials?status=overdue,failed&oldKeyInUse=true&paused=false&owner=group:default/team-a&cursor=component:default/a%23prod&limit=10',
    undefined,
  ],
  ['provision', 'post', '/v1/provisions', provision],
];

function send(
  app: express.Express,
  method: 'get' | 'post',
  path: string,
  body?: object,
) {
  const test = request(app)[method](`/api/apigee-credentials${path}`);
  return body === undefined ? test : test.send(body);
}

describe('the router enforces src/schema/openapi.yaml', () => {
  it.each(forbidden)(
    '%s routes: 400 for %s',
    async (routes, _what, method, path, body, message) => {
      const { app, httpAuth, called } = await start();
      const res = await send(app, method, path, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: { name: 'InputError', message: expect.stringMatching(message) },
        response: { statusCode: 400 },
      });
      expect(res.body.error.message).toMatch(/^Invalid /);
      // Refused before its handler: no credentials read, nothing asked of anyone. (The
      // provision route authenticates first; ProvisioningService validates the body.)
      expect(httpAuth.credentials).toHaveBeenCalledTimes(
        routes === 'provision' ? 1 : 0,
      );
      expect(called).toEqual([]);
    },
  );

  it.each(allowed)(
    '%s routes: %s %s reaches its handler',
    async (_routes, method, path, body) => {
      const { app, called } = await start();
      const res = await send(app, method, path, body);
      expect({ status: res.status, message: res.body.error?.message }).toEqual({
        status: 501,
        message: 'reached',
      });
      expect(called).toHaveLength(1);
    },
  );

  it('serves only routes the spec documents, so none escapes validation', async () => {
    const documented = new Set(
      Object.entries(spec.paths).flatMap(([path, item]) =>
        Object.keys(item).map(method => `${method} ${path}`),
      ),
    );
    const served: string[] = [];
    const walk = (stack: any[]) => {
      for (const layer of stack) {
        if (layer.route) {
          const path = String(layer.route.path).replace(/:(\w+)/g, '{$1}');
          for (const method of Object.keys(layer.route.methods)) {
            served.push(`${method} ${path}`);
          }
        } else if (layer.handle?.stack) {
          walk(layer.handle.stack);
        }
      }
    };
    walk(((await createRouter({} as any)) as any).stack);
    // The validator's own route, Backstage's convention for publishing the spec.
    const own = served.filter(route => route !== 'get /openapi.json');
    expect(own.filter(route => !documented.has(route))).toEqual([]);
    expect(own.length).toBe(documented.size);
  });

  it('serves the spec that openapi.yaml holds (run `yarn generate` after changing it)', () => {
    expect(spec).toEqual(parse(readFileSync(yamlPath, 'utf8')));
  });
});

describe('provision requests', () => {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: spec.components });
  const specAccepts = ajv.getSchema(
    'openapi#/components/schemas/ProvisionRequest',
  )!;
  const serviceAccepts = (body: unknown) => {
    try {
      validateProvisionRequest(body);
      return true;
    } catch {
      return false;
    }
  };

  it.each(forbidden.filter(([routes]) => routes === 'provision'))(
    'the spec forbids what the service refuses: %s, %s',
    (_routes, _what, _method, _path, body) => {
      const json = JSON.parse(JSON.stringify(body));
      expect(specAccepts(json)).toBe(false);
      expect(serviceAccepts(json)).toBe(false);
    },
  );

  it.each([
    ['a secret to create', provision],
    [
      'a secret to fill',
      {
        ...provision,
        secret: {
          arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:x',
        },
      },
    ],
    [
      'a dry run with a policy',
      { ...provision, dryRun: true, policy: { maxAge: '90d' } },
    ],
    [
      'tags and a KMS key',
      {
        ...provision,
        secret: {
          ...provision.secret,
          kmsKeyId: 'alias/x',
          tags: { team: 'orders' },
        },
      },
    ],
  ])('both accept %s', (_what, body) => {
    expect(specAccepts(body)).toBe(true);
    expect(serviceAccepts(body)).toBe(true);
  });
});
