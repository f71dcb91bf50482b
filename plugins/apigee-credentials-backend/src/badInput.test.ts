import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import request from 'supertest';
import { createTestDatabases } from './__testUtils__/databases';
import { startPluginBackend } from './__testUtils__/pluginBackend';
import {
  ACCOUNT_ID,
  OTHER_ACCOUNT_ID,
  REGION,
  TestWorld,
} from './__testUtils__/world';

jest.setTimeout(120_000);

/*
 * Bad input of every kind, through the real plugin: each case must end in a clear 4xx (or a
 * `misconfigured` binding with its reason) and cause no call to Apigee or AWS at all. The
 * observed results are listed in the README, section "Bad input".
 */
const API = '/api/apigee-credentials/v1';
const databases = createTestDatabases();
const world = new TestWorld([
  { name: 'good', flavor: 'edge', probePath: null },
]);

const good = () => world.scenario('good');
const fields = (overrides: Record<string, string | undefined>) =>
  Object.entries({
    provider: 'edge',
    developer: good().developer,
    app: good().app,
    secret: good().secretName,
    account: `'${ACCOUNT_ID}'`,
    region: REGION,
    ...overrides,
  })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');

/** Bindings that must come out misconfigured, with a reason matching `reason`. */
const BAD_BINDINGS: Array<{
  name: string;
  annotation: string;
  reason: RegExp;
}> = [
  { name: 'bad-yaml', annotation: 'provider: [not yaml', reason: /YAML/i },
  {
    name: 'missing-app',
    annotation: fields({ app: undefined }),
    reason: /app/,
  },
  {
    name: 'not-a-mapping',
    annotation: 'just a string',
    reason: /mapping|object/i,
  },
  {
    name: 'unknown-field',
    annotation: `${fields({})}\ncolour: blue`,
    reason: /colour/,
  },
  {
    name: 'unknown-provider',
    annotation: fields({ provider: 'nope' }),
    reason: /nope/,
  },
  {
    name: 'foreign-account',
    annotation: fields({ account: `'${OTHER_ACCOUNT_ID}'` }),
    reason: new RegExp(OTHER_ACCOUNT_ID),
  },
  {
    name: 'bad-arn',
    annotation: fields({
      secret: 'arn:aws:secretsmanager:nowhere',
      account: undefined,
      region: undefined,
    }),
    reason: /ARN|arn/,
  },
  {
    name: 'traversal-app',
    annotation: fields({ app: '../admin' }),
    reason: /app/,
  },
  { name: 'encoded-app', annotation: fields({ app: 'a%2F..' }), reason: /app/ },
  {
    name: 'query-developer',
    annotation: fields({ developer: 'x?y=1' }),
    reason: /developer/,
  },
  {
    name: 'injection-app',
    annotation: fields({ app: "a' OR 1=1" }),
    reason: /app/,
  },
  {
    name: 'bad-duration',
    annotation: fields({ maxAge: 'forever' }),
    reason: /maxAge|duration/i,
  },
  {
    name: 'unknown-probe-host',
    annotation: `${fields(
      {},
    )}\nprobe:\n  host: evil.example.com\n  path: /orders`,
    reason: /probe|host/i,
  },
  {
    name: 'short-max-age',
    annotation: fields({ maxAge: '1s' }),
    reason:
      /maxAge 1s is below the minimum of 1d \(apigeeCredentials\.rotation\.minimumMaxAge\)/,
  },
  {
    name: 'short-grace-period',
    annotation: fields({ gracePeriod: '1s' }),
    reason:
      /gracePeriod 1s is below the minimum of 1h \(apigeeCredentials\.rotation\.minimumGracePeriod\)/,
  },
  {
    name: 'probe-path-outside-prefixes',
    annotation: `${fields({})}\nprobe:\n  host: gw\n  path: /admin/users`,
    reason: /not under a path prefix allowed on probe host gw: \/orders/,
  },
  {
    name: 'probe-path-sibling',
    annotation: `${fields({})}\nprobe:\n  host: gw\n  path: /orders-admin`,
    reason: /not under a path prefix allowed on probe host gw: \/orders/,
  },
  {
    name: 'probe-path-dot-segment',
    annotation: `${fields({})}\nprobe:\n  host: gw\n  path: /orders/./ping`,
    reason: /probe\.path .* without "\.", "\.\." or empty segments/,
  },
  {
    name: 'probe-host-without-prefixes',
    annotation: `${fields({})}\nprobe:\n  host: closed\n  path: /orders`,
    reason: /probe host closed allows no probe path/,
  },
];

/** Bad provision requests; none may reach Apigee or AWS. Listed in the README. */
function provisionCases(): Array<{
  case: string;
  body: Record<string, unknown>;
  status: number;
  message?: RegExp;
  authorization?: string;
}> {
  const valid = {
    requestId: 'bad-input-provision',
    provider: 'edge',
    developer: good().developer,
    app: 'new-consumer',
    apiProducts: ['orders-api'],
    environment: 'prod',
    secret: { name: 'new/consumer', accountId: ACCOUNT_ID, region: REGION },
    owner: 'team-a',
  };
  return [
    {
      case: 'provision: no request id, no products',
      body: { ...valid, requestId: undefined, apiProducts: [] },
      status: 400,
      message: /requestId.*apiProducts: at least one/s,
    },
    {
      case: 'provision: app `../admin`',
      body: { ...valid, app: '../admin' },
      status: 400,
      message: /app may only contain/,
    },
    {
      case: 'provision: secret name with a space',
      body: { ...valid, secret: { ...valid.secret, name: 'a b' } },
      status: 400,
      message: /secret\.name/,
    },
    {
      case: 'provision: account not allow-listed',
      body: {
        ...valid,
        secret: { ...valid.secret, accountId: OTHER_ACCOUNT_ID },
      },
      status: 403,
      message: /allowedAccountIds/,
    },
    {
      case: 'provision: owner a component',
      body: { ...valid, owner: 'component:default/x' },
      status: 400,
      message: /owner/,
    },
    {
      case: 'provision: maxAge `soon`',
      body: { ...valid, policy: { maxAge: 'soon' } },
      status: 400,
      message: /maxAge/,
    },
    {
      case: 'provision: unknown field',
      body: { ...valid, consumerSecret: 'please-use-this' },
      status: 400,
      message: /consumerSecret/,
    },
    {
      case: 'provision: unknown provider',
      body: { ...valid, provider: 'nope' },
      status: 400,
      message: /No key provider named nope/,
    },
    {
      case: 'provision for a group the user is not in',
      body: { ...valid, owner: 'group:default/team-b' },
      status: 403,
      message: /team-b is not one of yours/,
      authorization: mockCredentials.user.header('user:default/mallory'),
    },
    {
      case: 'provision with no product allow-listed for the provider',
      body: valid,
      status: 403,
      message: /allowedApiProducts\.edge is not configured/,
      authorization: mockCredentials.user.header('user:default/mallory'),
    },
    {
      case: 'provision with a service token',
      body: valid,
      status: 403,
      authorization: mockCredentials.service.header(),
    },
  ];
}

function entity(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'team-a' },
  };
}

const entities: Entity[] = [
  ...BAD_BINDINGS.map(b =>
    entity(b.name, { 'apigee.keyrotation.dev/prod': b.annotation }),
  ),
  entity('bad-environment', { 'apigee.keyrotation.dev/Prod_Env!': fields({}) }),
  entity('plain-service'),
];

async function start(catalog: Entity[]) {
  const config = world.configData() as any;
  config.apigeeCredentials.manualRotationCooldown = { minutes: 5 };
  // The default floors (1 day, 1 hour) rather than the test world's none.
  delete config.apigeeCredentials.rotation.minimumMaxAge;
  delete config.apigeeCredentials.rotation.minimumGracePeriod;
  config.apigeeCredentials.rotation.gracePeriod = { hours: 1 };
  config.apigeeCredentials.probeHosts = [
    {
      name: 'gw',
      baseUrl: `${world.url}/gateway/acme-edge`,
      pathPrefixes: ['/orders'],
    },
    { name: 'closed', baseUrl: `${world.url}/gateway/acme-edge` },
  ];
  return startPluginBackend({
    knex: await databases.init('SQLITE_3'),
    entities: catalog,
    config,
    // Mallory, of team-a, may read but not rotate, and is no admin.
    allow: (permission, credentials) =>
      !(
        (permission.name.endsWith('.rotate') ||
          permission.name === 'apigee-credentials.admin') &&
        (credentials?.principal as any)?.userEntityRef ===
          'user:default/mallory'
      ),
    memberships: {
      'user:default/mallory': ['user:default/mallory', 'group:default/team-a'],
    },
  });
}

const user = mockCredentials.user.header('user:default/olivia');
const upstreamCalls = () =>
  world.sandbox.faults.callCount('apigee') +
  world.sandbox.faults.callCount('secretsmanager');

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await world.stop();
});

/** What supertest can send to: the test backend's server. */
type Server = Parameters<typeof request>[0];

const rotatePath = (kind = 'component', name = 'good', binding = 'prod') =>
  `${API}/entities/default/${kind}/${name}/credentials/${binding}/rotate`;

/** Bad requests to a plugin whose one good binding is adopted; listed in the README. */
const BAD_REQUESTS: Array<{
  case: string;
  send: (server: Server) => request.Test;
  status: number;
  message?: RegExp;
}> = [
  {
    case: 'body over 16 kB',
    send: server =>
      request(server)
        .post(rotatePath())
        .set('Authorization', user)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ pad: 'x'.repeat(17 * 1024) })),
    status: 413,
  },
  {
    case: 'malformed JSON body',
    send: server =>
      request(server)
        .post(rotatePath())
        .set('Authorization', user)
        .set('Content-Type', 'application/json')
        .send('{"reason": '),
    status: 400,
  },
  {
    case: 'text/plain body',
    send: server =>
      request(server)
        .post(rotatePath())
        .set('Authorization', user)
        .set('Content-Type', 'text/plain')
        .send('rotate please'),
    status: 415,
    message: /content type/i,
  },
  {
    case: 'form-encoded body',
    send: server =>
      request(server)
        .post(rotatePath())
        .set('Authorization', user)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('force=1'),
    status: 415,
    message: /content type/i,
  },
  {
    case: 'no credentials',
    send: server =>
      request(server)
        .post(rotatePath())
        .set('Authorization', mockCredentials.none.header()),
    status: 401,
  },
  {
    case: 'invalid token',
    send: server =>
      request(server)
        .post(rotatePath())
        .set('Authorization', 'Bearer not-a-token'),
    status: 401,
  },
  {
    case: 'user the policy denies',
    send: server =>
      request(server)
        .post(rotatePath())
        .set(
          'Authorization',
          mockCredentials.user.header('user:default/mallory'),
        ),
    status: 403,
  },
  {
    case: 'service token (rotate is for users only)',
    send: server =>
      request(server)
        .post(rotatePath())
        .set('Authorization', mockCredentials.service.header()),
    status: 403,
  },
  {
    case: 'kind `..` (encoded)',
    send: server =>
      request(server)
        .post(rotatePath('%2E%2E'))
        .set('Authorization', user),
    status: 400,
    message: /invalid kind/,
  },
  {
    case: 'name with `/..` (encoded)',
    send: server =>
      request(server)
        .post(rotatePath('component', 'a%2F..'))
        .set('Authorization', user),
    status: 400,
    message: /invalid name/,
  },
  {
    case: 'name `x?y=1` (encoded)',
    send: server =>
      request(server)
        .post(rotatePath('component', 'x%3Fy%3D1'))
        .set('Authorization', user),
    status: 400,
    message: /invalid name/,
  },
  {
    case: "name `a' OR 1=1` (encoded)",
    send: server =>
      request(server)
        .post(rotatePath('component', "a'%20OR%201%3D1"))
        .set('Authorization', user),
    status: 400,
    message: /invalid name/,
  },
  {
    case: 'binding id `..` (encoded)',
    send: server =>
      request(server)
        .post(rotatePath('component', 'good', '%2E%2E'))
        .set('Authorization', user),
    status: 400,
    message: /invalid binding id/,
  },
  {
    case: 'entity without bindings',
    send: server =>
      request(server)
        .post(rotatePath('component', 'plain-service'))
        .set('Authorization', user),
    status: 404,
  },
  {
    case: 'unknown entity',
    send: server =>
      request(server)
        .post(rotatePath('component', 'no-such-service'))
        .set('Authorization', user),
    status: 404,
  },
  {
    case: 'unknown binding of a known entity',
    send: server =>
      request(server)
        .post(rotatePath('component', 'good', 'staging'))
        .set('Authorization', user),
    status: 404,
  },
  {
    case: 'history cursor not a number',
    send: server =>
      request(server)
        .get(
          `${API}/entities/default/component/good/credentials/prod/history?cursor=abc`,
        )
        .set('Authorization', user),
    status: 400,
    message: /invalid cursor/,
  },
  ...provisionCases().map(c => ({
    case: c.case,
    send: (server: Server) =>
      request(server)
        .post(`${API}/provisions`)
        .set('Authorization', c.authorization ?? user)
        .send(c.body),
    status: c.status,
    message: c.message,
  })),
  {
    case: 'fleet status not a status',
    send: server =>
      request(server)
        .get(`${API}/credentials?status=pwned`)
        .set('Authorization', user),
    status: 400,
  },
];

describe('bad annotations', () => {
  let started: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    started = await start(entities);
    world.sandbox.faults.resetCounters();
    await started.runPass();
  });
  afterAll(async () => {
    await started?.backend.stop();
  });

  it.each(BAD_BINDINGS)(
    '$name: a misconfigured binding with its reason, and rotate is refused with 400',
    async bad => {
      const list = await request(started.server)
        .get(`${API}/entities/default/component/${bad.name}/credentials`)
        .set('Authorization', user);
      expect(list.status).toBe(200);
      const [item] = list.body.items;
      expect(item?.status).toBe('misconfigured');
      expect(item.statusReason).toMatch(bad.reason);

      const rotate = await request(started.server)
        .post(
          `${API}/entities/default/component/${bad.name}/credentials/prod/rotate`,
        )
        .set('Authorization', user);
      expect(rotate.status).toBe(400);
      expect(rotate.body.error.message).toContain('misconfigured');
    },
  );

  it('an annotation key that is not a valid environment name is reported, not rotated', async () => {
    const badEnv = await request(started.server)
      .get(`${API}/entities/default/component/bad-environment/credentials`)
      .set('Authorization', user);
    expect(badEnv.status).toBe(200);
    expect(badEnv.body.items.length).toBeGreaterThan(0);
    expect(
      badEnv.body.items.every((i: any) => i.status === 'misconfigured'),
    ).toBe(true);
  });

  it('caused no call to Apigee or AWS', () => {
    expect(upstreamCalls()).toBe(0);
  });
});

describe('bad requests', () => {
  let started: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    started = await start([
      entity('good', {
        'apigee.keyrotation.dev/prod': fields({}),
      }),
      entity('plain-service'),
    ]);
    await started.runPass(); // adopts the good binding (this may call Apigee and AWS)
    world.sandbox.faults.resetCounters();
  });
  afterAll(async () => {
    await started?.backend.stop();
  });

  it.each(BAD_REQUESTS)(
    '$case: $status with a message',
    async ({ send, status, message }) => {
      const res = await send(started.server);
      expect(res.status).toBe(status);
      expect(res.body.error?.message ?? '').not.toBe('');
      expect(res.body.error.message).toMatch(message ?? /./);
    },
  );

  it('caused no call to Apigee or AWS', () => {
    expect(upstreamCalls()).toBe(0);
  });
});
