/* eslint jest/expect-expect: ["warn", { "assertFunctionNames": ["expect", "expectAwsJsonError"] }] */
import { randomUUID } from 'node:crypto';
import { startTestServer, TestServer } from './__testUtils__/server';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await server.close();
});

function expectAwsJsonError(
  response: { status: number; headers: Headers; json: any },
  type: string,
  status = 400,
) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(
    /^application\/x-amz-json-1\.1/,
  );
  expect(response.headers.get('x-amzn-errortype')).toBe(type);
  expect(response.json.__type).toBe(type);
  expect(typeof response.json.Message).toBe('string');
}

describe('wire format', () => {
  it('answers with application/x-amz-json-1.1, a request id, and dates as epoch seconds', async () => {
    const created = await server.raw('CreateSecret', {
      Name: 'wire',
      SecretString: 'value',
      ClientRequestToken: randomUUID(),
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toMatch(
      /^application\/x-amz-json-1\.1/,
    );
    expect(created.headers.get('x-amzn-requestid')).toBeTruthy();

    const got = await server.raw('GetSecretValue', { SecretId: 'wire' });
    expect(got.json.CreatedDate).toBe(server.clock.now().getTime() / 1000);
    expect(got.text).toMatch(/"CreatedDate":\d+(\.\d+)?[,}]/);
  });

  it('returns ResourceNotFoundException as HTTP 400 with __type, Message and x-amzn-ErrorType (not 404 as moto)', async () => {
    const response = await server.raw('DescribeSecret', { SecretId: 'nope' });
    expectAwsJsonError(response, 'ResourceNotFoundException');
    expect(response.json.Message).toBe(
      "Secrets Manager can't find the specified secret.",
    );
  });

  it('requires a ClientRequestToken from raw PutSecretValue callers', async () => {
    await server.raw('CreateSecret', {
      Name: 'raw',
      SecretString: 'a',
      ClientRequestToken: randomUUID(),
    });
    const response = await server.raw('PutSecretValue', {
      SecretId: 'raw',
      SecretString: 'b',
    });
    expectAwsJsonError(response, 'InvalidRequestException');
  });

  it('validates members: ValidationException for missing or out-of-range ones, SerializationException for wrong types', async () => {
    const missing = await server.raw('GetSecretValue', {});
    expectAwsJsonError(missing, 'ValidationException');
    expect(missing.json.Message).toBe(
      "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
    );
    const shortToken = await server.raw('PutSecretValue', {
      SecretId: 'x',
      SecretString: 'super-secret-value',
      ClientRequestToken: 'short',
    });
    expectAwsJsonError(shortToken, 'ValidationException');
    expect(shortToken.json.Message).toMatch(/clientRequestToken/);
    const wrongType = await server.raw('GetSecretValue', { SecretId: 42 });
    expectAwsJsonError(wrongType, 'SerializationException');
  });

  it('never echoes a secret value in an error message', async () => {
    const response = await server.raw('CreateSecret', {
      Name: 'big',
      SecretString: 'TOPSECRET'.repeat(8000),
      ClientRequestToken: randomUUID(),
    });
    expectAwsJsonError(response, 'ValidationException');
    expect(response.text).not.toContain('TOPSECRET');
  });
});

describe('request parsing', () => {
  it('answers malformed JSON and non-object bodies with SerializationException', async () => {
    expectAwsJsonError(
      await server.raw('ListSecrets', '{"MaxResults": '),
      'SerializationException',
    );
    expectAwsJsonError(
      await server.raw('ListSecrets', '[1,2]'),
      'SerializationException',
    );
  });

  it('refuses another Content-Type and bodies over 1 MB', async () => {
    const wrongType = await server.raw(
      'ListSecrets',
      {},
      { headers: { 'content-type': 'text/plain' } },
    );
    expectAwsJsonError(wrongType, 'SerializationException');
    const huge = await server.raw('ListSecrets', {
      Filler: 'x'.repeat(1024 * 1024 + 10),
    });
    expect(huge.status).toBe(413);
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    expectAwsJsonError(
      await server.raw('RotateSecret', { SecretId: 'x' }),
      'UnknownOperationException',
    );
    expectAwsJsonError(
      await server.raw('toString', {}),
      'UnknownOperationException',
    );
  });

  it('passes requests for other targets, and other paths or methods, on to the next handler', async () => {
    const otherTarget = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonSSM.GetParameter',
      },
      body: '{}',
    });
    expect(otherTarget.status).toBe(404);
    expect(await otherTarget.json()).toEqual({ passedOn: true });
    const noTarget = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      body: '{}',
    });
    expect(await noTarget.json()).toEqual({ passedOn: true });
    const get = await fetch(`${server.endpoint}/`);
    expect(await get.json()).toEqual({ passedOn: true });
  });
});

describe('caller identity (SigV4 header, signature not verified)', () => {
  it('answers a request without Authorization with MissingAuthenticationTokenException (400)', async () => {
    const response = await server.raw(
      'ListSecrets',
      {},
      { headers: { authorization: '' } },
    );
    expectAwsJsonError(response, 'MissingAuthenticationTokenException');
    expect(response.json.Message).toBe('Missing Authentication Token');
  });

  it('answers a non-SigV4 Authorization with IncompleteSignatureException and does not echo it', async () => {
    const response = await server.raw(
      'ListSecrets',
      {},
      {
        headers: {
          authorization: `Basic ${Buffer.from('user:hunter2').toString(
            'base64',
          )}`,
        },
      },
    );
    expectAwsJsonError(response, 'IncompleteSignatureException');
    expect(response.text).not.toContain(
      Buffer.from('user:hunter2').toString('base64'),
    );
  });

  it('requires the credential to be scoped to secretsmanager', async () => {
    const response = await server.raw(
      'ListSecrets',
      {},
      {
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=TESTSANDBOXPRIMARY01/20250301/eu-west-1/ssm/aws4_request, SignedHeaders=host, Signature=00',
        },
      },
    );
    expectAwsJsonError(response, 'InvalidSignatureException');
  });

  it('answers an unknown access key with UnrecognizedClientException (400)', async () => {
    const response = await server.raw(
      'ListSecrets',
      {},
      { accessKeyId: 'TESTNOBODY0000000000' },
    );
    expectAwsJsonError(response, 'UnrecognizedClientException');
    expect(response.json.Message).toBe(
      'The security token included in the request is invalid.',
    );
  });

  it('takes the Region from the credential scope', async () => {
    await server.raw(
      'CreateSecret',
      { Name: 'regional', SecretString: 'a', ClientRequestToken: randomUUID() },
      { region: 'ap-south-1' },
    );
    const listed = await server.raw(
      'ListSecrets',
      {},
      { region: 'ap-south-1' },
    );
    expect(listed.json.SecretList[0].ARN).toMatch(
      /^arn:aws:secretsmanager:ap-south-1:/,
    );
    expect((await server.raw('ListSecrets', {})).json.SecretList).toEqual([]);
  });
});

describe('fault injection on the wire', () => {
  it('renders a server-error decision with its status (503 ServiceUnavailable by default) and counts calls', async () => {
    server.faults.addRule({
      id: 'down',
      service: 'secretsmanager',
      failNext: 1,
    });
    const response = await server.raw('ListSecrets', {});
    expect(response.status).toBe(503);
    expect(response.json.__type).toBe('ServiceUnavailable');
    expect((await server.raw('ListSecrets', {})).status).toBe(200);
    expect(server.faults.counters().calls['secretsmanager.ListSecrets']).toBe(
      2,
    );
  });

  it('renders throttling as HTTP 400 ThrottlingException "Rate exceeded"', async () => {
    server.faults.addRule({
      id: 'slow',
      service: 'secretsmanager',
      operation: 'ListSecrets',
      failNext: 1,
      error: 'throttling',
    });
    const response = await server.raw('ListSecrets', {});
    expectAwsJsonError(response, 'ThrottlingException');
    expect(response.json.Message).toBe('Rate exceeded');
  });

  it('leaves the state untouched when a write is failed by a fault', async () => {
    await server.raw('CreateSecret', {
      Name: 'f',
      SecretString: 'a',
      ClientRequestToken: randomUUID(),
    });
    server.faults.addRule({
      id: 'x',
      operation: 'PutSecretValue',
      failNext: 1,
      status: 500,
    });
    const failed = await server.raw('PutSecretValue', {
      SecretId: 'f',
      SecretString: 'b',
      ClientRequestToken: randomUUID(),
    });
    expectAwsJsonError(failed, 'InternalServiceError', 500);
    expect(
      (await server.raw('GetSecretValue', { SecretId: 'f' })).json.SecretString,
    ).toBe('a');
  });
});
