import { RunningSandbox, StartSandboxOptions, startSandbox } from '../server';

/** A clock that only moves when told to, shared by every emulation of a test sandbox. */
export function manualClock(start = Date.parse('2025-06-01T12:00:00Z')) {
  let nowMs = start;
  return {
    now: () => new Date(nowMs),
    advance: (ms: number) => {
      nowMs += ms;
    },
    ms: () => nowMs,
  };
}

export const EDGE_ADMIN = {
  username: 'admin@example.com',
  password: 'sandbox-admin-password',
};
export const EDGE_MFA_ADMIN = {
  username: 'mfa-admin@example.com',
  password: 'sandbox-mfa-password',
  mfaCode: '123456',
};
export const X_TOKEN = 'sandbox-acme-x-token';

/** Default-seed fixtures (seed/default.yaml). */
export const ORDERS_EDGE_KEY = 'sandbox-orders-prod-key-WhJXZcvWo0oYffd3';
export const ORDERS_EDGE_SECRET = 'sandbox-orders-prod-secret-f5y5jSomXzNoPc23';
export const PAYMENTS_EDGE_KEY = 'sandbox-payments-prod-key-wVJ8c5OxdvYPiXNu';
export const PAYMENTS_X_KEY = 'sandbox-payments-x-key-pvN8OnsFLE0MQpsF';

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export const edgeAdminAuth = basicAuth(
  EDGE_ADMIN.username,
  EDGE_ADMIN.password,
);

/** Starts a sandbox on a free port and stops it after the surrounding suite. */
export function useSandbox(options: () => StartSandboxOptions = () => ({})) {
  const holder: { sandbox?: RunningSandbox } = {};
  beforeAll(async () => {
    holder.sandbox = await startSandbox({ port: 0, ...options() });
  });
  afterAll(async () => {
    await holder.sandbox?.stop();
  });
  return () => {
    if (!holder.sandbox) throw new Error('sandbox not started');
    return holder.sandbox;
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** fetch + read the body; JSON bodies are parsed, empty bodies give undefined. */
export async function call(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<JsonResponse> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  let body = rest.body;
  if (json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(json);
  }
  const response = await fetch(url, { ...rest, headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return {
    status: response.status,
    headers: response.headers,
    body: parsed,
    text,
  };
}
