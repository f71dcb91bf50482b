import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import express from 'express';
import {
  SecretsManagerClient,
  SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { FaultInjector } from '../../faults';
import { createSecretsManagerRouter } from '../router';
import { SecretsManagerStore } from '../store';

export const ACCOUNT_ID = '111122223333';
export const ACCESS_KEY_ID = 'TESTSANDBOXPRIMARY01';
export const OTHER_ACCOUNT_ID = '444455556666';
export const OTHER_ACCESS_KEY_ID = 'TESTSANDBOXSECOND001';
export const REGION = 'eu-west-1';

/** A clock tests can move. */
export class TestClock {
  #now: number;
  constructor(start = Date.parse('2025-03-01T10:00:00.000Z')) {
    this.#now = start;
  }
  now = (): Date => new Date(this.#now);
  advance(ms: number): void {
    this.#now += ms;
  }
}

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

export interface TestServer {
  endpoint: string;
  store: SecretsManagerStore;
  faults: FaultInjector;
  clock: TestClock;
  /** A real AWS SDK client for the sandbox; `maxAttempts: 1` so errors surface at once. */
  client(config?: Partial<SecretsManagerClientConfig>): SecretsManagerClient;
  /** A raw JSON 1.1 call with a well-formed (unverified) SigV4 header. */
  raw(
    operation: string,
    body: unknown,
    options?: {
      headers?: Record<string, string>;
      accessKeyId?: string;
      region?: string;
    },
  ): Promise<{ status: number; headers: Headers; json: any; text: string }>;
  close(): Promise<void>;
}

/**
 * Starts an express app with only the Secrets Manager router on 127.0.0.1 and a free port.
 * Requests the router passes on get a 404 `{"passedOn": true}`.
 */
export async function startTestServer(
  options: { maxVersionsPerSecret?: number } = {},
): Promise<TestServer> {
  const clock = new TestClock();
  const store = new SecretsManagerStore({
    accounts: [
      { accountId: ACCOUNT_ID, accessKeyId: ACCESS_KEY_ID },
      { accountId: OTHER_ACCOUNT_ID, accessKeyId: OTHER_ACCESS_KEY_ID },
    ],
    now: clock.now,
    maxVersionsPerSecret: options.maxVersionsPerSecret,
  });
  const faults = new FaultInjector();
  const app = express();
  app.use(createSecretsManagerRouter({ store, faults }));
  app.use((_req, res) => {
    res.status(404).json({ passedOn: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: SecretsManagerClient[] = [];

  return {
    endpoint,
    store,
    faults,
    clock,
    client(config = {}) {
      const client = new SecretsManagerClient({
        endpoint,
        region: REGION,
        credentials: {
          accessKeyId: ACCESS_KEY_ID,
          secretAccessKey: 'sandbox-secret-key',
        },
        maxAttempts: 1,
        ...config,
      });
      clients.push(client);
      return client;
    },
    async raw(operation, body, rawOptions = {}) {
      const accessKeyId = rawOptions.accessKeyId ?? ACCESS_KEY_ID;
      const region = rawOptions.region ?? REGION;
      const response = await fetch(`${endpoint}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `secretsmanager.${operation}`,
          'x-amz-date': '20250301T100000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250301/${region}/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef`,
          ...rawOptions.headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, json, text };
    },
    async close() {
      for (const client of clients) client.destroy();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
