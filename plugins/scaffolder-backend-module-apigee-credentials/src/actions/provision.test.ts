import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type {
  ProvisionRequest,
  ProvisionResult,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { DefaultApigeeCredentialsService } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { Validator } from 'jsonschema';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import yaml from 'yaml';
import {
  CapturingLogger,
  CheckpointStore,
  createTestActionContext,
} from '../__testUtils__/mockActionContext';
import { http, offTheDocument } from '@keyrotation/apigee-credentials-contract';
import { createProvisionAction } from './provision';
import { examples } from './provision.examples';
import type { ProvisionActionInput } from './provisionRequest';

const PROVISIONS_URL =
  'http://backend.test/api/apigee-credentials/v1/provisions';
const user = mockCredentials.user('user:default/ada');

// A value shaped like a real consumer secret. The backend must never send one; the tests
// make a misbehaving backend send it and check that it goes nowhere.
const LEAK = 'sandbox-LEAKED-consumer-secret-Qx7Lw2Vb9Tn4';

const input: ProvisionActionInput = {
  provider: 'edge-sandbox',
  developer: 'checkout-team@example.com',
  app: 'checkout-service',
  apiProducts: ['orders-api'],
  environment: 'prod',
  secret: {
    name: 'apigee/checkout-service/prod',
    accountId: '111111111111',
    region: 'eu-west-1',
    kmsKeyId: '',
  },
  owner: 'group:default/team-orders',
  policy: { maxAge: '90d' },
};

const secretArnFor = (environment: string) =>
  `arn:aws:secretsmanager:eu-west-1:111111111111:secret:apigee/checkout-service/${environment}-AbCdEf`;

/** What a correct backend answers (see apigee-credentials-common provisioning.ts). */
function resultFor(request: ProvisionRequest): ProvisionResult {
  const binding = yaml.stringify({
    provider: request.provider,
    developer: request.developer,
    app: request.app,
    secret: request.dryRun
      ? 'apigee/checkout-service/prod'
      : secretArnFor(request.environment),
    ...(request.dryRun && { account: '111111111111', region: 'eu-west-1' }),
    ...(request.policy?.maxAge && { maxAge: request.policy.maxAge }),
  });
  return {
    requestId: request.requestId,
    dryRun: Boolean(request.dryRun),
    provider: request.provider,
    developer: request.developer,
    app: request.app,
    environment: request.environment,
    ...(!request.dryRun && {
      secretArn: secretArnFor(request.environment),
      keyFingerprint: 'sha256:0123456789ab',
    }),
    created: { app: true, key: true, secret: true },
    annotations: { [`apigee.keyrotation.dev/${request.environment}`]: binding },
    steps: ['create app', 'create key', 'store pending', 'verify', 'promote'],
  };
}

const server = setupServer();
let received: Array<{ body: ProvisionRequest; authorization: string | null }>;

/** Stands in for the backend's HTTP API; `answer` decides the response per request. */
function backend(
  answer: (
    request: ProvisionRequest,
    call: number,
  ) => Response | Promise<Response>,
) {
  server.use(
    http.post(PROVISIONS_URL, async ({ request }) => {
      const body = (await request.json()) as ProvisionRequest;
      received.push({
        body,
        authorization: request.headers.get('authorization'),
      });
      return answer(body, received.length);
    }),
  );
}

const created = (request: ProvisionRequest) =>
  HttpResponse.json(resultFor(request), { status: 201 });

const failure = (status: number, name: string, message: string) =>
  HttpResponse.json(
    { error: { name, message }, response: { statusCode: status } },
    { status },
  );

function createAction() {
  return createProvisionAction({
    apigeeCredentials: DefaultApigeeCredentialsService.create({
      auth: mockServices.auth(),
      discovery: mockServices.discovery.mock({
        getBaseUrl: async pluginId => `http://backend.test/api/${pluginId}`,
      }),
    }),
  });
}

function run(options: {
  input?: ProvisionActionInput;
  isDryRun?: boolean;
  checkpoints?: CheckpointStore;
  logger?: CapturingLogger;
  stepId?: string;
}) {
  const test = createTestActionContext({
    input: options.input ?? input,
    isDryRun: options.isDryRun,
    checkpoints: options.checkpoints,
    logger: options.logger,
    stepId: options.stepId,
    credentials: user,
  });
  return {
    ...test,
    done: createAction().handler(test.ctx as any),
  };
}

describe('apigee:credentials:provision', () => {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  beforeEach(() => {
    received = [];
  });
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it('provisions through the backend as the initiating user and outputs identifiers only', async () => {
    backend(created);
    const { done, outputs, checkpoints, logger } = run({});
    await done;

    expect(received).toHaveLength(1);
    expect(received[0].body).toEqual({
      requestId: 'scaffolder:task-0001:provision:prod:checkout-service',
      provider: 'edge-sandbox',
      developer: 'checkout-team@example.com',
      app: 'checkout-service',
      apiProducts: ['orders-api'],
      environment: 'prod',
      // The empty kmsKeyId a form leaves behind is not sent.
      secret: {
        name: 'apigee/checkout-service/prod',
        accountId: '111111111111',
        region: 'eu-west-1',
      },
      owner: 'group:default/team-orders',
      policy: { maxAge: '90d' },
    });
    // The backend authorizes and audits the user, not the scaffolder.
    expect(received[0].authorization).toBe(
      `Bearer ${mockCredentials.service.token({
        onBehalfOf: user,
        targetPluginId: 'apigee-credentials',
      })}`,
    );

    expect(outputs).toEqual({
      environment: 'prod',
      app: 'checkout-service',
      secretArn: secretArnFor('prod'),
      keyFingerprint: 'sha256:0123456789ab',
      annotations: {
        'apigee.keyrotation.dev/prod': resultFor(received[0].body).annotations[
          'apigee.keyrotation.dev/prod'
        ],
      },
    });
    expect([...checkpoints.values.keys()]).toEqual([
      'v1.task.checkpoint.provision.provision-prod-checkout-service',
    ]);
    expect(logger.lines.join('\n')).toContain(
      `Provisioned environment "prod" (app checkout-service of checkout-team@example.com, provider edge-sandbox): key sha256:0123456789ab, secret ${secretArnFor(
        'prod',
      )} (created: app, key, secret)`,
    );
  });

  it('in a dry run asks the backend for a plan, says what it would create, and stores nothing', async () => {
    backend(created);
    const { done, outputs, checkpoints, logger } = run({ isDryRun: true });
    await done;

    expect(received[0].body.dryRun).toBe(true);
    expect(checkpoints.values.size).toBe(0);
    expect(outputs).toEqual({
      environment: 'prod',
      app: 'checkout-service',
      annotations: {
        'apigee.keyrotation.dev/prod': expect.stringContaining(
          'secret: apigee/checkout-service/prod',
        ),
      },
    });
    expect(logger.lines.join('\n')).toContain(
      'Dry run for environment "prod": would create the developer app checkout-service; issue a new consumer key; ' +
        'create the secret apigee/checkout-service/prod in account 111111111111, region eu-west-1; ' +
        'bind the component with annotation apigee.keyrotation.dev/prod. Nothing was changed.',
    );
  });

  it('refuses a backend that did real work for a dry run', async () => {
    backend(request =>
      HttpResponse.json(
        { ...resultFor({ ...request, dryRun: false }) },
        { status: 201 },
      ),
    );
    const { done, outputs } = run({ isDryRun: true });
    await expect(done).rejects.toThrow(
      /answered request .* with a real provision for a dry run/,
    );
    expect(outputs).toEqual({});
  });

  // The backend runs the same protocol as a rotation: app, key (pending),
  // products, secret (AWSPENDING), verify, promote (AWSCURRENT). Whatever step fails, it
  // removes what it created and answers with an error; the action must fail without
  // outputs or checkpoint, and a retry must repeat the very same request.
  it.each([
    ['app', 'Could not create developer app checkout-service'],
    [
      'key',
      'Apigee refused the key import (keymanagement.service.ConsumerKeyAlreadyExists)',
    ],
    ['products', 'Could not associate the key with API product orders-api'],
    ['secret', 'Secrets Manager refused CreateSecret (AccessDeniedException)'],
    ['verify', 'The new key was not approved for orders-api within 180 s'],
    [
      'promote',
      'Secrets Manager refused UpdateSecretVersionStage (AWSCURRENT)',
    ],
  ])(
    'fails cleanly when the backend reports a failure at step %s, and a retry repeats the request',
    async (step, reason) => {
      const message = `Provisioning failed at step ${step}: ${reason}; the key, secret and app created by this request were removed`;
      // A failure the backend has no error type for: its error handler answers 500.
      backend((request, call) =>
        call === 1 ? failure(500, 'Error', message) : created(request),
      );
      const checkpoints = new CheckpointStore();
      const first = run({ checkpoints });

      const error = await first.done.catch(e => e);
      expect(error.name).toBe('Error');
      expect(error.message).toBe(
        'Could not provision Apigee credentials for environment "prod" (app checkout-service of checkout-team@example.com, provider edge-sandbox). ' +
          'The apigee-credentials backend removes whatever a failed request created, and retrying the task repeats request ' +
          'scaffolder:task-0001:provision:prod:checkout-service safely; caused by Error: ' +
          `Provisioning Apigee credentials (request scaffolder:task-0001:provision:prod:checkout-service) failed with HTTP 500; caused by Error: ${message}`,
      );
      expect(first.outputs).toEqual({});
      expect(checkpoints.values.size).toBe(0);

      const retry = run({ checkpoints });
      await retry.done;
      expect(received.map(r => r.body.requestId)).toEqual([
        'scaffolder:task-0001:provision:prod:checkout-service',
        'scaffolder:task-0001:provision:prod:checkout-service',
      ]);
      expect(retry.outputs.keyFingerprint).toBe('sha256:0123456789ab');
    },
  );

  it.each([
    [400, 'InputError', 'apiProducts: unknown product orders-ap'],
    [
      403,
      'NotAllowedError',
      'user:default/ada may not provision credentials for group:default/team-orders',
    ],
    [
      409,
      'ConflictError',
      'secret apigee/checkout-service/prod already exists',
    ],
    [503, 'ServiceUnavailableError', 'Apigee management API unavailable'],
  ])(
    'keeps the kind of a %i error (%s) and the backend message',
    async (status, name, message) => {
      backend(() => failure(status, name, message));
      const { done, outputs } = run({});
      const error = await done.catch(e => e);
      expect(error.name).toBe(name);
      expect(error.message).toContain(
        `; caused by ${name}: Provisioning Apigee credentials (request scaffolder:task-0001:provision:prod:checkout-service) failed: ${message}`,
      );
      expect(outputs).toEqual({});
    },
  );

  it('on a task retry returns the checkpointed identifiers without calling the backend again', async () => {
    backend(created);
    const checkpoints = new CheckpointStore();
    const first = run({ checkpoints });
    await first.done;
    const retry = run({ checkpoints });
    await retry.done;

    expect(received).toHaveLength(1);
    expect(retry.outputs).toEqual(first.outputs);
  });

  it('sends the same request id when the checkpoint was lost, so the backend can answer the first result', async () => {
    const firstResults = new Map<string, ProvisionResult>();
    backend(request => {
      const known = firstResults.get(request.requestId);
      if (known) return HttpResponse.json(known, { status: 200 });
      firstResults.set(request.requestId, resultFor(request));
      return created(request);
    });
    const first = run({ checkpoints: new CheckpointStore() });
    await first.done;
    const again = run({ checkpoints: new CheckpointStore() });
    await again.done;

    expect(received.map(r => r.body.requestId)).toEqual([
      'scaffolder:task-0001:provision:prod:checkout-service',
      'scaffolder:task-0001:provision:prod:checkout-service',
    ]);
    expect(firstResults.size).toBe(1);
    expect(again.outputs).toEqual(first.outputs);
  });

  it('gives every environment of an `each` step its own request id and checkpoint', async () => {
    backend(created);
    const checkpoints = new CheckpointStore();
    await run({ checkpoints }).done;
    await run({ checkpoints, input: { ...input, environment: 'staging' } })
      .done;

    expect(received.map(r => r.body.requestId)).toEqual([
      'scaffolder:task-0001:provision:prod:checkout-service',
      'scaffolder:task-0001:provision:staging:checkout-service',
    ]);
    expect(checkpoints.values.size).toBe(2);
  });

  it('copies only whitelisted identifiers from a backend answer that carries a secret', async () => {
    backend(request => {
      const result = resultFor(request);
      return offTheDocument(
        HttpResponse.json(
          {
            ...result,
            consumerSecret: LEAK,
            consumerKey: LEAK,
            created: { ...result.created, secretValue: LEAK },
            annotations: { ...result.annotations, 'example.com/leak': LEAK },
            steps: [...result.steps, `stored secret ${LEAK}`],
          },
          { status: 201 },
        ),
        'a backend that leaks a consumer secret',
      );
    });
    const { done, outputs, checkpoints, logger } = run({});
    await done;

    expect(Object.keys(outputs).sort()).toEqual([
      'annotations',
      'app',
      'environment',
      'keyFingerprint',
      'secretArn',
    ]);
    expect(Object.keys(outputs.annotations as object)).toEqual([
      'apigee.keyrotation.dev/prod',
    ]);
    const taskState = JSON.stringify({
      outputs,
      checkpoints: [...checkpoints.values],
      log: logger.lines,
    });
    expect(taskState).not.toContain(LEAK);
  });

  it('refuses a binding annotation with a smuggled field, without repeating its value anywhere', async () => {
    backend(request => {
      const result = resultFor(request);
      const key = `apigee.keyrotation.dev/${request.environment}`;
      return HttpResponse.json(
        {
          ...result,
          annotations: {
            [key]: `${result.annotations[key]}consumerSecret: ${LEAK}\n`,
          },
        },
        { status: 201 },
      );
    });
    const { done, outputs, checkpoints, logger } = run({});
    const error = await done.catch(e => e);

    expect(error.message).toContain(
      'a binding annotation apigee.keyrotation.dev/prod that the plugin cannot read',
    );
    expect(outputs).toEqual({});
    const taskState = JSON.stringify({
      error: `${error.name} ${error.message} ${error.stack}`,
      checkpoints: [...checkpoints.values, ...checkpoints.failures],
      log: logger.lines,
    });
    expect(taskState).not.toContain(LEAK);
  });

  it('refuses an answer to another request or without identifiers', async () => {
    backend(request =>
      HttpResponse.json(
        { ...resultFor(request), requestId: 'other' },
        { status: 201 },
      ),
    );
    await expect(run({}).done).rejects.toThrow(
      /with the result of another request \(other\)/,
    );

    server.resetHandlers();
    backend(request => {
      const { keyFingerprint: _omitted, ...rest } = resultFor(request);
      return HttpResponse.json(rest, { status: 201 });
    });
    await expect(run({}).done).rejects.toThrow(
      /with no key fingerprint or secret ARN/,
    );
  });

  describe('input schema', () => {
    const schema = createAction().schema!.input!;
    const validate = (value: unknown) =>
      new Validator().validate(value, schema);

    it('accepts the inputs of every example', () => {
      for (const example of examples) {
        for (const step of yaml.parse(example.example).steps) {
          if (step.action !== 'apigee:credentials:provision' || step.each)
            continue;
          expect(validate(step.input).errors).toEqual([]);
        }
      }
    });

    it.each([
      [
        'an 11-digit account',
        { secret: { ...input.secret, accountId: '11111111111' } },
      ],
      ['an upper-case environment', { environment: 'Prod' }],
      ['no API product', { apiProducts: [] }],
      [
        'a secret both named and given by ARN',
        { secret: { ...input.secret, arn: secretArnFor('prod') } },
      ],
      [
        'a misspelt secret field',
        { secret: { ...input.secret, acountId: '111111111111' } },
      ],
    ])('refuses %s before anything is created', (_what, change) => {
      expect(validate({ ...input, ...change }).valid).toBe(false);
    });
  });
});
