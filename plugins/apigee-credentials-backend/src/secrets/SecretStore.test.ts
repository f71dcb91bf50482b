import { DefaultAwsCredentialsManager } from '@backstage/integration-aws-node';
import { createSecretStore } from '../engine/createRotationEngine';
import {
  ACCOUNT_ID,
  OTHER_ACCOUNT_ID,
  REGION,
  TestWorld,
} from '../__testUtils__/world';
import { parseSecretArn, resolveSecretReference } from './arn';
import { readSecretCredential, writeSecretCredential } from './secretValue';

jest.setTimeout(30_000);

const world = new TestWorld([
  { name: 'store', flavor: 'edge' },
  { name: 'by-arn', flavor: 'edge' },
]);

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await world.stop();
});

function store() {
  const config = world.config();
  return createSecretStore(
    config,
    DefaultAwsCredentialsManager.fromConfig(config),
  );
}

describe('AwsSecretStore with the AWS SDK against the sandbox', () => {
  const ref = () => ({
    name: world.scenario('store').secretName,
    accountId: ACCOUNT_ID,
    region: REGION,
  });
  const token = '11111111-2222-4333-8444-555555555555';

  it('reads AWSCURRENT, stores AWSPENDING idempotently, moves and removes labels', async () => {
    const secrets = store();
    const current = await secrets.getVersion(ref(), { stage: 'AWSCURRENT' });
    expect(current).toMatchObject({ stages: ['AWSCURRENT'] });
    expect(JSON.parse(current!.secretString!).consumerKey).toBe(
      world.scenario('store').initialKey,
    );

    expect(
      await secrets.getVersion(ref(), { versionId: token }),
    ).toBeUndefined();
    await secrets.putPendingVersion(
      ref(),
      token,
      '{"consumerKey":"a","consumerSecret":"b"}',
    );
    // Same token, same value: Secrets Manager ignores the request.
    await secrets.putPendingVersion(
      ref(),
      token,
      '{"consumerKey":"a","consumerSecret":"b"}',
    );
    // Same token, other value: refused, never overwritten (rule 3).
    await expect(
      secrets.putPendingVersion(
        ref(),
        token,
        '{"consumerKey":"c","consumerSecret":"d"}',
      ),
    ).rejects.toMatchObject({ name: 'ResourceExistsException' });

    const stages = await secrets.describeStages(ref());
    expect(stages[token]).toEqual(['AWSPENDING']);
    expect(await secrets.getVersion(ref(), { versionId: token })).toMatchObject(
      {
        versionId: token,
        stages: ['AWSPENDING'],
      },
    );

    await secrets.updateStage(ref(), 'AWSCURRENT', {
      moveToVersionId: token,
      removeFromVersionId: current!.versionId,
    });
    await secrets.updateStage(ref(), 'AWSPENDING', {
      removeFromVersionId: token,
    });
    expect(await secrets.describeStages(ref())).toEqual({
      [token]: ['AWSCURRENT'],
      [current!.versionId]: ['AWSPREVIOUS'],
    });
  });

  it('finds account and Region in an ARN', async () => {
    const arn = world.secretArn('by-arn');
    const secrets = store();
    expect(secrets.resolve({ arn })).toMatchObject({
      accountId: ACCOUNT_ID,
      region: REGION,
      secretId: arn,
    });
    const current = await secrets.getVersion({ arn }, { stage: 'AWSCURRENT' });
    expect(current?.stages).toEqual(['AWSCURRENT']);
  });

  it('refuses accounts outside the allow-list, for names and ARNs alike', async () => {
    const secrets = store();
    const outside = {
      name: 'svc/store',
      accountId: OTHER_ACCOUNT_ID,
      region: REGION,
    };
    expect(() => secrets.resolve(outside)).toThrow(
      `AWS account ${OTHER_ACCOUNT_ID} of secret svc/store (account ${OTHER_ACCOUNT_ID}, ${REGION}) is not in apigeeCredentials.aws.allowedAccountIds`,
    );
    await expect(secrets.describeStages(outside)).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    const arn = `arn:aws:secretsmanager:${REGION}:${OTHER_ACCOUNT_ID}:secret:svc/store-AbCdEf`;
    await expect(
      secrets.getVersion({ arn }, { stage: 'AWSCURRENT' }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
  });

  it('names the operation and the secret in errors, keeping the SDK error name for classification', async () => {
    const secrets = store();
    const missing = {
      name: 'svc/does-not-exist',
      accountId: ACCOUNT_ID,
      region: REGION,
    };
    const error = await secrets.describeStages(missing).catch(e => e);
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toContain(
      'Secrets Manager DescribeSecret on svc/does-not-exist',
    );
    world.sandbox.faults.addRule({
      id: 't',
      service: 'secretsmanager',
      error: 'throttling',
      failNext: 1,
    });
    await expect(secrets.describeStages(ref())).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });
});

describe('secret references', () => {
  it('parses secret ARNs of every partition and rejects other strings', () => {
    expect(
      parseSecretArn(
        'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:a/b-XyZ123',
      ),
    ).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      accountId: '123456789012',
      resource: 'a/b-XyZ123',
    });
    expect(() => parseSecretArn('arn:aws:s3:::bucket')).toThrow(
      'Not a Secrets Manager secret ARN',
    );
  });

  it('validates name references', () => {
    expect(() =>
      resolveSecretReference({ name: 'x', accountId: '12', region: REGION }),
    ).toThrow('accountId must be a 12-digit AWS account id');
    expect(() =>
      resolveSecretReference({
        name: 'x',
        accountId: ACCOUNT_ID,
        region: 'Europe',
      }),
    ).toThrow('region must be an AWS Region');
  });
});

describe('secret values', () => {
  const fields = { key: 'apiKey', secret: 'apiSecret' };

  it('replaces only the configured key and secret fields, keeping every other field', () => {
    const current = readSecretCredential(
      JSON.stringify({
        apiKey: 'old-key',
        apiSecret: 'old-secret',
        url: 'https://x',
        nested: { a: 1 },
      }),
      fields,
    );
    expect(
      JSON.parse(
        writeSecretCredential(current.document, fields, {
          consumerKey: 'k',
          consumerSecret: 's',
        }),
      ),
    ).toEqual({
      apiKey: 'k',
      apiSecret: 's',
      url: 'https://x',
      nested: { a: 1 },
    });
  });

  it('explains malformed values without quoting them', () => {
    expect(() => readSecretCredential('plain-text-secret', fields)).toThrow(
      'The secret value is not JSON',
    );
    expect(() => readSecretCredential('[1]', fields)).toThrow(
      'not a JSON object',
    );
    expect(() => readSecretCredential('{"apiKey":"k"}', fields)).toThrow(
      'no string field "apiSecret"',
    );
    const error = (() => {
      try {
        readSecretCredential(
          '{"apiKey": 42, "apiSecret": "very-secret-value"}',
          fields,
        );
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).not.toContain('very-secret-value');
  });
});

describe('AwsSecretStore rate limit (apigeeCredentials.aws.maxRequestsPerSecond)', () => {
  const ref = () => ({
    name: world.scenario('store').secretName,
    accountId: ACCOUNT_ID,
    region: REGION,
  });
  const limitedStore = (maxRequestsPerSecond: number) => {
    const config = world.config(undefined, data => {
      data.apigeeCredentials.aws.maxRequestsPerSecond = maxRequestsPerSecond;
    });
    return createSecretStore(
      config,
      DefaultAwsCredentialsManager.fromConfig(config),
    );
  };

  it('spaces requests so that no second sees more than the limit', async () => {
    const secrets = limitedStore(10);
    world.sandbox.faults.resetCounters();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 25 }, () =>
        secrets.getVersion(ref(), { stage: 'AWSCURRENT' }),
      ),
    );
    const elapsed = Date.now() - started;
    // 25 requests at least 100 ms apart: the last one starts 2.4 s after the first.
    expect(elapsed).toBeGreaterThanOrEqual(2300);
    const buckets = Object.values(
      world.sandbox.faults.counters().perSecond.secretsmanager,
    );
    expect(buckets.reduce((a, b) => a + b, 0)).toBe(25);
    expect(Math.max(...buckets)).toBeLessThanOrEqual(10);
  });

  it('does not limit without the setting', async () => {
    const secrets = store();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 25 }, () =>
        secrets.getVersion(ref(), { stage: 'AWSCURRENT' }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a limit that is not positive', () => {
    expect(() => limitedStore(0)).toThrow(
      'apigeeCredentials.aws.maxRequestsPerSecond must be positive',
    );
  });
});
