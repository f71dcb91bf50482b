import {
  ORDERS_EDGE_KEY,
  PAYMENTS_EDGE_KEY,
  PAYMENTS_X_KEY,
  X_TOKEN,
  call,
  edgeAdminAuth,
  manualClock,
  useSandbox,
} from '../testing/helpers';
import { formatCount } from './statsReport';

const MINUTE = 60_000;

/** `MM/DD/YYYY HH:MM` in UTC, as the stats API's timeRange wants it. */
function apigeeTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCMonth() + 1)}/${two(
    d.getUTCDate(),
  )}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

const floorMinute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;

const DIALECTS = [
  {
    dialect: 'edge',
    org: 'acme-edge',
    key: PAYMENTS_EDGE_KEY,
    auth: edgeAdminAuth,
  },
  {
    dialect: 'x',
    org: 'acme-x',
    key: PAYMENTS_X_KEY,
    auth: `Bearer ${X_TOKEN}`,
  },
] as const;
type Dialect = (typeof DIALECTS)[number];

/** Reads the dialect's error body as `{ status, code }` (Edge code, or X's rpc status). */
function errorOf(d: Dialect, res: { status: number; body: any }) {
  return d.dialect === 'edge'
    ? { status: res.status, code: res.body.code }
    : { status: res.status, code: res.body.error.status };
}

describe('analytics: gateway traffic and the stats API', () => {
  const clock = manualClock();
  const sandbox = useSandbox(() => ({ now: clock.now }));

  beforeEach(() => sandbox().reset());

  /** One proxy call through the gateway; `ip` goes into X-Forwarded-For. */
  async function proxyCall(
    org: string,
    path: string,
    key: string,
    ip?: string,
  ) {
    const headers: Record<string, string> = { 'x-apikey': key };
    if (ip) headers['x-forwarded-for'] = ip;
    return call(`${sandbox().url}/gateway/${org}${path}`, { headers });
  }

  /** The stats API over the last hour (up to the next minute, the end being exclusive). */
  function stats(
    d: Dialect,
    dimensions: string,
    params: Record<string, string> = {},
    environment = 'prod',
  ) {
    const query = new URLSearchParams({
      select: 'sum(message_count)',
      timeRange: `${apigeeTime(clock.ms() - 3_600_000)}~${apigeeTime(
        floorMinute(clock.ms()) + MINUTE,
      )}`,
      ...params,
    });
    return call(
      `${sandbox().url}/v1/organizations/${
        d.org
      }/environments/${environment}/stats/${dimensions}?${query}`,
      { headers: { Authorization: d.auth } },
    );
  }

  const dimensionsOf = (res: { body: any }) =>
    res.body.environments[0].dimensions.map((dim: any) => ({
      name: dim.name,
      values: dim.metrics[0].values,
    }));

  it.each(DIALECTS)(
    '$dialect: counts accepted calls per proxy and client IP, in the documented shape',
    async d => {
      for (let i = 0; i < 3; i++) {
        expect(
          (await proxyCall(d.org, '/payments', d.key, '203.0.113.7')).status,
        ).toBe(200);
      }
      // The first X-Forwarded-For address is the client.
      await proxyCall(d.org, '/payments', d.key, '198.51.100.2, 10.0.0.1');
      // Refused calls are not counted.
      expect(
        (await proxyCall(d.org, '/payments', 'no-such-key', '203.0.113.7'))
          .status,
      ).toBe(401);

      const res = await stats(d, 'apiproxy,client_ip', {
        filter: `(client_id eq '${d.key}')`,
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        environments: [
          {
            name: 'prod',
            dimensions: [
              {
                name: 'payments-proxy,203.0.113.7',
                metrics: [{ name: 'sum(message_count)', values: ['3.0'] }],
              },
              {
                name: 'payments-proxy,198.51.100.2',
                metrics: [{ name: 'sum(message_count)', values: ['1.0'] }],
              },
            ],
          },
        ],
        metaData: {
          errors: [],
          notices: ['Source:Postgres', 'query served by:sandbox'],
        },
      });
      // Unfiltered: the refused key is nowhere.
      expect(dimensionsOf(await stats(d, 'client_id'))).toEqual([
        { name: d.key, values: ['4.0'] },
      ]);
    },
  );

  it.each(DIALECTS)(
    '$dialect: no calls gives an empty dimensions list under the environment',
    async d => {
      const res = await stats(d, 'apiproxy');
      expect(res.status).toBe(200);
      expect(res.body.environments).toEqual([{ name: 'prod', dimensions: [] }]);
    },
  );

  it('uses the peer address as client_ip without X-Forwarded-For, and groups by app and product', async () => {
    await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY);
    const res = await stats(DIALECTS[0], 'client_ip,developer_app,api_product');
    expect(dimensionsOf(res)).toEqual([
      { name: '127.0.0.1,orders-service,orders-api', values: ['1.0'] },
    ]);
  });

  describe('filter', () => {
    beforeEach(async () => {
      await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY);
      await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY);
      await proxyCall('acme-edge', '/payments', PAYMENTS_EDGE_KEY);
    });

    it.each([
      [
        'none',
        undefined,
        [
          ['orders-proxy', '2.0'],
          ['payments-proxy', '1.0'],
        ],
      ],
      [
        `client_id eq`,
        `(client_id eq '${ORDERS_EDGE_KEY}')`,
        [['orders-proxy', '2.0']],
      ],
      [
        `client_id ne`,
        `(client_id ne '${ORDERS_EDGE_KEY}')`,
        [['payments-proxy', '1.0']],
      ],
      [
        `client_id in`,
        `(client_id in '${ORDERS_EDGE_KEY}','${PAYMENTS_EDGE_KEY}')`,
        [
          ['orders-proxy', '2.0'],
          ['payments-proxy', '1.0'],
        ],
      ],
      [
        'and',
        `(client_id eq '${ORDERS_EDGE_KEY}') and (apiproxy eq 'payments-proxy')`,
        [],
      ],
      ['unknown key', `(client_id eq 'nobody')`, []],
    ])('%s', async (_, filter, expected) => {
      const res = await stats(
        DIALECTS[0],
        'apiproxy',
        filter ? { filter } : {},
      );
      expect(res.status).toBe(200);
      expect(dimensionsOf(res)).toEqual(
        expected.map(([name, value]) => ({ name, values: [value] })),
      );
    });

    it('honours sort and limit, and answers every selected metric', async () => {
      const res = await stats(DIALECTS[0], 'apiproxy', {
        select: 'sum(message_count),message_count',
        sortby: 'sum(message_count)',
        sort: 'ASC',
        limit: '1',
      });
      expect(res.body.environments[0].dimensions).toEqual([
        {
          name: 'payments-proxy',
          metrics: [
            { name: 'sum(message_count)', values: ['1.0'] },
            { name: 'message_count', values: ['1.0'] },
          ],
        },
      ]);
    });
  });

  it.each(DIALECTS)(
    '$dialect: timeUnit lists non-empty buckets newest first; the range end is exclusive',
    async d => {
      const first = floorMinute(clock.ms());
      await proxyCall(d.org, '/payments', d.key);
      clock.advance(2 * MINUTE);
      await proxyCall(d.org, '/payments', d.key);
      await proxyCall(d.org, '/payments', d.key);
      const last = floorMinute(clock.ms());

      const perMinute = await stats(d, 'apiproxy', { timeUnit: 'minute' });
      expect(dimensionsOf(perMinute)).toEqual([
        {
          name: 'payments-proxy',
          values: [
            { timestamp: last, value: '2.0' },
            { timestamp: first, value: '1.0' },
          ],
        },
      ]);

      const upToLast = await stats(d, 'apiproxy', {
        timeUnit: 'minute',
        timeRange: `${apigeeTime(first)}~${apigeeTime(last)}`,
      });
      expect(dimensionsOf(upToLast)[0].values).toEqual([
        { timestamp: first, value: '1.0' },
      ]);

      // The test clock stays within 2025-06-01, so one day bucket holds all three calls.
      const perDay = await stats(d, 'apiproxy', { timeUnit: 'day' });
      expect(dimensionsOf(perDay)[0].values).toEqual([
        { timestamp: Date.parse('2025-06-01T00:00:00Z'), value: '3.0' },
      ]);
    },
  );

  it.each(DIALECTS)(
    '$dialect: analyticsDelayMs hides a call until the clock has passed it',
    async d => {
      const config = await call(`${sandbox().url}/_sandbox/config`, {
        method: 'PUT',
        json: { analyticsDelayMs: 600_000 },
      });
      expect(config.body.analyticsDelayMs).toBe(600_000);
      await proxyCall(d.org, '/payments', d.key);

      clock.advance(599_999);
      const early = await stats(d, 'apiproxy');
      expect(early.body.environments[0].dimensions).toEqual([]);

      clock.advance(1);
      const due = await stats(d, 'apiproxy');
      expect(dimensionsOf(due)).toEqual([
        { name: 'payments-proxy', values: ['1.0'] },
      ]);
    },
  );

  it('does not record /runtime/verify', async () => {
    const verify = await call(
      `${sandbox().url}/runtime/verify?apikey=${ORDERS_EDGE_KEY}`,
    );
    expect(verify.status).toBe(200);
    expect(
      (await stats(DIALECTS[0], 'apiproxy')).body.environments[0].dimensions,
    ).toEqual([]);
  });

  const BAD_QUERIES: Array<[string, string, Record<string, string>]> = [
    ['unknown dimension', 'developer_email', {}],
    ['unknown dimension in a list', 'apiproxy,devs', {}],
    ['missing select', 'apiproxy', { select: '' }],
    ['unsupported select', 'apiproxy', { select: 'avg(total_response_time)' }],
    ['missing timeRange', 'apiproxy', { timeRange: '' }],
    ['ISO timeRange', 'apiproxy', { timeRange: '2025-06-01T00:00~2025-06-02' }],
    [
      'impossible date',
      'apiproxy',
      { timeRange: '02/30/2025 00:00~03/01/2025 00:00' },
    ],
    [
      'reversed timeRange',
      'apiproxy',
      { timeRange: '06/02/2025 00:00~06/01/2025 00:00' },
    ],
    ['unknown timeUnit', 'apiproxy', { timeUnit: 'fortnight' }],
    ['unclosed filter', 'apiproxy', { filter: "(client_id eq 'a'" }],
    ['unknown operator', 'apiproxy', { filter: "(client_id like 'a')" }],
    [
      'or between terms',
      'apiproxy',
      { filter: "(client_id eq 'a') or (client_id eq 'b')" },
    ],
    ['unknown filter dimension', 'apiproxy', { filter: "(developer eq 'a')" }],
    ['eq with a list', 'apiproxy', { filter: "(client_id eq 'a','b')" }],
    ['unquoted value', 'apiproxy', { filter: '(client_id eq a)' }],
  ];

  it.each(
    DIALECTS.flatMap(d =>
      BAD_QUERIES.map(([label, dims, params]) => ({
        ...d,
        label,
        dims,
        params,
      })),
    ),
  )('$dialect: 400 for $label', async d => {
    const res = await stats(d, d.dims, d.params);
    expect(errorOf(d, res)).toEqual({
      status: 400,
      code:
        d.dialect === 'edge'
          ? 'analytics.service.InvalidQuery'
          : 'INVALID_ARGUMENT',
    });
  });

  it('does not echo the filter (it holds a key) in the error', async () => {
    const res = await stats(DIALECTS[0], 'apiproxy', {
      filter: `(client_id eq '${ORDERS_EDGE_KEY}' `,
    });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(ORDERS_EDGE_KEY);
  });

  it.each(DIALECTS)(
    '$dialect: 404 for an environment no proxy is deployed to',
    async d => {
      const res = await stats(d, 'apiproxy', {}, 'test');
      expect(errorOf(d, res)).toEqual({
        status: 404,
        code:
          d.dialect === 'edge'
            ? 'messaging.config.beans.EnvironmentDoesNotExist'
            : 'NOT_FOUND',
      });
    },
  );

  it.each(DIALECTS)('$dialect: needs the management credentials', async d => {
    const res = await call(
      `${sandbox().url}/v1/organizations/${
        d.org
      }/environments/prod/stats/apiproxy`,
      { headers: { Authorization: 'Bearer wrong-token' } },
    );
    expect(res.status).toBe(401);
  });

  it('serves Edge under /v1/o/ too', async () => {
    await proxyCall('acme-edge', '/orders', ORDERS_EDGE_KEY);
    const query = new URLSearchParams({
      select: 'sum(message_count)',
      timeRange: `${apigeeTime(clock.ms() - MINUTE)}~${apigeeTime(
        floorMinute(clock.ms()) + MINUTE,
      )}`,
    });
    const res = await call(
      `${
        sandbox().url
      }/v1/o/acme-edge/environments/prod/stats/apiproxy?${query}`,
      { headers: { Authorization: edgeAdminAuth } },
    );
    expect(dimensionsOf(res)).toEqual([
      { name: 'orders-proxy', values: ['1.0'] },
    ]);
  });

  it.each(DIALECTS)(
    '$dialect: fault rules on stats.get fail it in the dialect format, and it is counted',
    async d => {
      sandbox().faults.addRule({
        id: 'analytics-down',
        service: 'apigee',
        operation: 'stats.get',
        failNext: 1,
        status: 503,
      });
      const failed = await stats(d, 'apiproxy');
      expect(errorOf(d, failed)).toEqual({
        status: 503,
        code:
          d.dialect === 'edge'
            ? 'messaging.adaptors.http.flow.ServiceUnavailable'
            : 'UNAVAILABLE',
      });
      expect((await stats(d, 'apiproxy')).status).toBe(200);
      expect(sandbox().faults.counters()).toMatchObject({
        calls: { 'apigee.stats.get': 2 },
        faults: { 'apigee.stats.get': 1 },
      });
    },
  );
});

describe('analytics: environments from the seed', () => {
  const sandbox = useSandbox(() => ({
    seed: {
      apigee: {
        organizations: [
          {
            name: 'envs',
            dialect: 'edge',
            users: [{ username: 'u@example.com', password: 'pw' }],
            apiProducts: [{ name: 'p' }],
            developers: [
              {
                email: 'd@example.com',
                apps: [
                  {
                    name: 'a',
                    credentials: [
                      {
                        consumerKey: 'envs-key',
                        consumerSecret: 'envs-secret',
                        apiProducts: ['p'],
                      },
                    ],
                  },
                ],
              },
            ],
            proxies: [
              { name: 'live', basePath: '/live', apiProducts: ['p'] },
              {
                name: 'trial',
                basePath: '/trial',
                apiProducts: ['p'],
                environment: 'test',
              },
            ],
          },
        ],
      },
    },
  }));

  it.each([
    ['prod', ['live']],
    ['test', ['trial']],
  ])('counts a proxy only in its environment (%s)', async (env, proxies) => {
    for (const path of ['/live', '/trial']) {
      const res = await call(`${sandbox().url}/gateway/envs${path}`, {
        headers: { 'x-apikey': 'envs-key' },
      });
      expect(res.status).toBe(200);
    }
    const now = Date.now();
    const query = new URLSearchParams({
      select: 'sum(message_count)',
      timeRange: `${apigeeTime(now - 3_600_000)}~${apigeeTime(
        now + 3_600_000,
      )}`,
    });
    const res = await call(
      `${
        sandbox().url
      }/v1/organizations/envs/environments/${env}/stats/apiproxy?${query}`,
      {
        headers: {
          Authorization: `Basic ${Buffer.from('u@example.com:pw').toString(
            'base64',
          )}`,
        },
      },
    );
    expect(res.status).toBe(200);
    expect(
      res.body.environments[0].dimensions.map((dim: any) => dim.name),
    ).toEqual(proxies);
  });
});

describe('formatCount', () => {
  it.each([
    [0, '0.0'],
    [12, '12.0'],
    [9_999_999, '9999999.0'],
    [10_000_000, '1.0E7'],
    [252_056_245, '2.52056245E8'],
  ])('%d → %s', (calls, text) => {
    expect(formatCount(calls)).toBe(text);
  });
});
