import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import request from 'supertest';
import { createTestDatabases } from './__testUtils__/databases';
import { startPluginBackend } from './__testUtils__/pluginBackend';
import { ACCOUNT_ID, REGION, TestWorld } from './__testUtils__/world';

jest.setTimeout(120_000);

/*
 * Limits on what a user (or a catalog annotation) can make the plugin do, through the real
 * plugin against the sandbox: probes never follow a redirect; a user's manual rotations are
 * limited per hour, counted in the database; manual and scheduled rotations share the global
 * concurrency.
 */
const API = '/api/apigee-credentials/v1';
const databases = createTestDatabases();
const QUOTA_NAMES = ['quota-a', 'quota-b', 'quota-c'];
const SHARED_NAMES = ['shared-a', 'shared-b', 'shared-scheduled'];
const world = new TestWorld([
  { name: 'redirected', flavor: 'edge', probePath: null },
  ...SHARED_NAMES.map(name => ({
    name,
    flavor: 'edge' as const,
    probePath: null,
  })),
  ...QUOTA_NAMES.map(name => ({
    name,
    flavor: 'edge' as const,
    probePath: null,
  })),
]);

function annotation(
  name: string,
  extra: Record<string, string | undefined> = {},
): string {
  const s = world.scenario(name);
  return Object.entries({
    provider: 'edge',
    developer: s.developer,
    app: s.app,
    secret: s.secretName,
    account: `'${ACCOUNT_ID}'`,
    region: REGION,
    ...extra,
  })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
}

function entity(name: string, value: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'apigee.keyrotation.dev/prod': value },
    },
    spec: { type: 'service', owner: 'team-a' },
  };
}

/** What a recording server keeps of a request: never a header's value (it may be a key). */
interface RecordedRequest {
  url?: string;
  headers: string[];
}

/** A local HTTP server that records every request and answers with `answer`. */
async function recordingServer(
  answer: (req: IncomingMessage) => { status: number; headers?: any },
): Promise<{ url: string; requests: RecordedRequest[]; server: Server }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url, headers: Object.keys(req.headers) });
    const { status, headers } = answer(req);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end('{}');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

const user = mockCredentials.user.header('user:default/olivia');

async function waitForRotation(server: any, id: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const res = await request(server)
      .get(`${API}/rotations/${id}`)
      .set('Authorization', user);
    if (res.body.status !== 'running') return res.body;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`Rotation ${id} did not finish`);
}

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await world.stop();
});

describe('probes', () => {
  it('never follow a redirect: the new key does not reach the redirect target', async () => {
    // The probe host answers 302 to a second server, which must receive nothing.
    const target = await recordingServer(() => ({ status: 200 }));
    const redirecting = await recordingServer(req => ({
      status: 302,
      headers: { location: `${target.url}/collect${req.url}` },
    }));
    const config = world.configData() as any;
    config.apigeeCredentials.probeHosts = [
      {
        name: 'redirecting',
        baseUrl: redirecting.url,
        pathPrefixes: ['/orders'],
      },
    ];
    const { backend, server, runPass } = await startPluginBackend({
      knex: await databases.init('SQLITE_3'),
      entities: [
        entity(
          'redirected',
          `${annotation(
            'redirected',
          )}\nprobe:\n  host: redirecting\n  path: /orders/ping\n  keyIn: header x-apikey`,
        ),
      ],
      config,
    });
    try {
      await runPass(); // sync and adopt
      const before = world.secretValue('redirected')!.consumerKey;
      const rotate = await request(server)
        .post(
          `${API}/entities/default/component/redirected/credentials/prod/rotate`,
        )
        .set('Authorization', user);
      expect(rotate.status).toBe(202);
      const rotation = await waitForRotation(server, rotate.body.id);

      expect(redirecting.requests.length).toBeGreaterThan(0);
      expect(target.requests).toHaveLength(0);
      expect(rotation.status).toBe('rolled-back');
      expect(rotation.error).toMatch(/redirect/);
      // AWSCURRENT was not touched and the old key still works.
      expect(world.secretValue('redirected')!.consumerKey).toBe(before);
      expect(await world.currentWorks('redirected')).toBe(true);
    } finally {
      await backend.stop();
      redirecting.server.close();
      target.server.close();
    }
  });
});

describe('manual rotation quota', () => {
  it('refuses a user past manualRotationsPerUserPerHour with 429 and Retry-After, on every replica and through the action, audited', async () => {
    const knex = await databases.init('SQLITE_3');
    const config = world.configData() as any;
    config.apigeeCredentials.quotas = { manualRotationsPerUserPerHour: 2 };
    const entities = QUOTA_NAMES.map(name => entity(name, annotation(name)));
    const one = await startPluginBackend({ knex, entities, config });
    // A second replica on the same database: the count is the database's, not a replica's.
    const two = await startPluginBackend({ knex, entities, config });
    const rotate = (server: any, name: string, who = user) =>
      request(server)
        .post(
          `${API}/entities/default/component/${name}/credentials/prod/rotate`,
        )
        .set('Authorization', who);
    try {
      await one.runPass();
      const first = await rotate(one.server, 'quota-a');
      const second = await rotate(two.server, 'quota-b');
      expect([first.status, second.status]).toEqual([202, 202]);

      for (const server of [one.server, two.server]) {
        const refused = await rotate(server, 'quota-c');
        expect(refused.status).toBe(429);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(
          3600,
        );
        expect(refused.body.error.message).toMatch(
          /You started 2 manual rotations in the last hour.*manualRotationsPerUserPerHour.*try again in \d+ s/,
        );
      }
      await expect(
        one.actionsRegistry.invoke({
          id: 'test:rotate-credential',
          input: {
            entityRef: 'component:default/quota-c',
            environment: 'prod',
          },
          credentials: mockCredentials.user('user:default/olivia'),
        }),
      ).rejects.toThrow(/manual rotations in the last hour/);
      // Refusals are audited like any other.
      const failures = one.auditor.createEvent.mock.results
        .map(r => r.value)
        .filter(Boolean);
      const events = await Promise.all(failures);
      const refusedAudits = events.flatMap((e: any) =>
        e.fail.mock.calls.map((c: any) => c[0].error.message),
      );
      expect(
        refusedAudits.filter((m: string) => /manual rotations/.test(m)),
      ).toHaveLength(2);

      // The quota is per user: another one may still rotate.
      const other = await rotate(
        one.server,
        'quota-c',
        mockCredentials.user.header('user:default/peter'),
      );
      expect(other.status).toBe(202);
      for (const id of [first.body.id, second.body.id, other.body.id]) {
        expect((await waitForRotation(one.server, id)).status).toBe(
          'succeeded',
        );
      }
    } finally {
      await one.backend.stop();
      await two.backend.stop();
    }
  });
});

describe('global concurrency', () => {
  it('counts manual and scheduled rotations together: with concurrency 1, one runs at a time and the others wait their turn', async () => {
    const knex = await databases.init('SQLITE_3');
    const config = world.configData({
      // Without a probe each rotation waits this long after the association: long enough
      // for rotations running side by side to be seen.
      keyPropagationDelay: { milliseconds: 700 },
    }) as any;
    config.apigeeCredentials.concurrency = 1;
    const { backend, server, runPass } = await startPluginBackend({
      knex,
      entities: [
        entity('shared-a', annotation('shared-a')),
        entity('shared-b', annotation('shared-b')),
        // Due at once (its key is 30 days old): the pass rotates it.
        entity(
          'shared-scheduled',
          annotation('shared-scheduled', { maxAge: '1s' }),
        ),
      ],
      config,
    });
    // Rotations past `started` and not finished, as the database says, sampled throughout.
    const RUNNING = [
      'created',
      'imported',
      'associated',
      'tested',
      'promoted',
      'rolling_back',
    ];
    let mostAtOnce = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rows = await knex('rotations').whereIn('phase', RUNNING);
        mostAtOnce = Math.max(mostAtOnce, rows.length);
        await new Promise(r => setTimeout(r, 15));
      }
    })();
    try {
      const pass = runPass(); // syncs, then rotates shared-scheduled
      const path = (name: string) =>
        `${API}/entities/default/component/${name}/credentials`;
      // Once synced, ask for the two manual rotations while the scheduled one runs.
      for (;;) {
        const res = await request(server)
          .get(path('shared-a'))
          .set('Authorization', user);
        if (res.body.items?.length) break;
        await new Promise(r => setTimeout(r, 20));
      }
      const [a, b] = await Promise.all(
        ['shared-a', 'shared-b'].map(name =>
          request(server)
            .post(`${path(name)}/prod/rotate`)
            .set('Authorization', user),
        ),
      );
      expect([a.status, b.status]).toEqual([202, 202]);
      await pass;
      for (const id of [a.body.id, b.body.id]) {
        expect((await waitForRotation(server, id)).status).toBe('succeeded');
      }
      const rows = await knex('rotations').orderBy('associated_at');
      expect(rows.map(r => [r.trigger, r.phase]).sort()).toEqual([
        ['manual', 'completed'],
        ['manual', 'completed'],
        ['schedule', 'completed'],
      ]);
      expect(mostAtOnce).toBe(1);
      // One after the other: each was associated only after the one before had finished.
      const at = (value: unknown) => new Date(value as any).getTime();
      for (let i = 1; i < rows.length; i++) {
        expect(at(rows[i].associated_at)).toBeGreaterThanOrEqual(
          at(rows[i - 1].finished_at),
        );
      }
    } finally {
      sampling = false;
      await sampler;
      await backend.stop();
    }
  });
});
