import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  ORDERS_EDGE_KEY,
  call,
  edgeAdminAuth,
  useSandbox,
} from '../testing/helpers';

jest.setTimeout(60_000);

describe('faults that carry the operation out and then lose its answer', () => {
  const sandbox = useSandbox();
  const appUrl = () =>
    `${
      sandbox().url
    }/v1/organizations/acme-edge/developers/orders-team@example.com/apps/orders-service`;
  const auth = { Authorization: edgeAdminAuth };
  // Generous: CI runs this beside heavy suites; the hang tests pass their own, shorter bound.
  const importKey = (consumerKey: string, timeoutMs = 20_000) =>
    fetch(`${appUrl()}/keys/create`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ consumerKey, consumerSecret: `${consumerKey}-s` }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  const keyExists = async (consumerKey: string) =>
    (await call(`${appUrl()}/keys/${consumerKey}`, { headers: auth }))
      .status === 200;
  const secrets = () =>
    new SecretsManagerClient({
      endpoint: sandbox().url,
      region: 'eu-west-1',
      credentials: {
        accessKeyId: 'TESTSANDBOX111111111',
        secretAccessKey: 'x',
      },
      maxAttempts: 1,
    });

  beforeEach(() => sandbox().reset());

  it('answers a 5xx for an Apigee import that took effect', async () => {
    sandbox().faults.addRule({
      id: 'lost',
      service: 'apigee',
      operation: 'keys.create',
      failNext: 1,
      answerLost: true,
    });
    const first = await importKey('lost-5xx-key');
    expect(first.status).toBe(503);
    expect(await first.json()).toMatchObject({
      code: 'messaging.adaptors.http.flow.ServiceUnavailable',
    });
    expect(await keyExists('lost-5xx-key')).toBe(true);
    // The client's retry meets its own earlier import.
    expect((await importKey('lost-5xx-key')).status).toBe(409);
    expect(sandbox().faults.counters()).toMatchObject({
      faults: { 'apigee.keys.create': 1 },
      lostAnswers: { 'apigee.keys.create': 1 },
      rules: { lost: 1 },
    });
  });

  it('resets the connection after an import took effect', async () => {
    sandbox().faults.addRule({
      id: 'reset',
      operation: 'keys.create',
      failNext: 1,
      error: 'reset',
      answerLost: true,
    });
    await expect(importKey('lost-reset-key')).rejects.toThrow();
    expect(await keyExists('lost-reset-key')).toBe(true);
  });

  it('resets the connection before the import when the answer is not lost but refused', async () => {
    sandbox().faults.addRule({
      id: 'reset-before',
      operation: 'keys.create',
      failNext: 1,
      error: 'reset',
    });
    await expect(importKey('reset-before-key')).rejects.toThrow();
    expect(await keyExists('reset-before-key')).toBe(false);
  });

  it('holds the answer of an import past the client timeout, the key being there already', async () => {
    sandbox().faults.addRule({
      id: 'slow-answer',
      operation: 'keys.create',
      failNext: 1,
      error: 'none',
      hangMs: 1000,
      answerLost: true,
    });
    const started = Date.now();
    await expect(importKey('held-key', 150)).rejects.toThrow();
    expect(await keyExists('held-key')).toBe(true);
    expect(Date.now() - started).toBeLessThan(900);
    expect(sandbox().faults.counters()).toMatchObject({
      hangs: { 'apigee.keys.create': 1 },
      lostAnswers: { 'apigee.keys.create': 1 },
    });
    expect(sandbox().faults.counters().faults).toEqual({});
  });

  it('loses the answer of a Secrets Manager write that took effect', async () => {
    sandbox().faults.addRule({
      id: 'lost-put',
      service: 'secretsmanager',
      operation: 'PutSecretValue',
      failNext: 1,
      answerLost: true,
    });
    const client = secrets();
    await expect(
      client.send(
        new PutSecretValueCommand({
          SecretId: 'orders-service/apigee-prod',
          SecretString: '{"consumerKey":"k","consumerSecret":"s"}',
          ClientRequestToken: '11111111-1111-4111-8111-111111111111',
          VersionStages: ['AWSPENDING'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    const pending = await client.send(
      new GetSecretValueCommand({
        SecretId: 'orders-service/apigee-prod',
        VersionStage: 'AWSPENDING',
      }),
    );
    expect(pending.VersionId).toBe('11111111-1111-4111-8111-111111111111');
  });

  it('loses the gateway answer of a call the proxy accepted', async () => {
    sandbox().faults.addRule({
      id: 'lost-probe',
      service: 'gateway',
      failNext: 1,
      status: 502,
      answerLost: true,
    });
    const probe = () =>
      call(`${sandbox().url}/gateway/acme-edge/orders`, {
        headers: { 'x-apikey': ORDERS_EDGE_KEY },
      });
    const lost = await probe();
    expect(lost.status).toBe(502);
    expect(lost.body.fault.detail.errorcode).toBe(
      'messaging.adaptors.http.flow.ServiceUnavailable',
    );
    expect((await probe()).status).toBe(200);
    expect(sandbox().faults.counters().lostAnswers).toEqual({
      'gateway.verify': 1,
    });
  });

  it('refuses unknown error kinds and a non-boolean answerLost', () => {
    expect(() =>
      sandbox().faults.addRule({ id: 'x', error: 'bogus' as never }),
    ).toThrow(/error must be one of/);
    expect(() =>
      sandbox().faults.addRule({ id: 'x', answerLost: 'yes' as never }),
    ).toThrow(/answerLost must be a boolean/);
  });
});
