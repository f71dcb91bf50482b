import { Entity } from '@backstage/catalog-model';
import {
  parseBindingAnnotation,
  parseCredentialBindings,
} from './parseBindings';

const ARN =
  'arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders-service/apigee-prod';
const minimal = `provider: acme-edge
developer: orders-team@example.com
app: orders-service
secret: ${ARN}`;

describe('parseBindingAnnotation', () => {
  it('reads a minimal binding with an ARN and applies default field names', () => {
    expect(parseBindingAnnotation('prod', minimal)).toEqual({
      environment: 'prod',
      provider: 'acme-edge',
      developer: 'orders-team@example.com',
      app: 'orders-service',
      secret: { arn: ARN, accountId: '111111111111', region: 'eu-west-1' },
      fields: { key: 'consumerKey', secret: 'consumerSecret' },
    });
  });

  it('reads every optional field', () => {
    const spec = parseBindingAnnotation(
      'staging',
      `provider: acme-x
developer: payments-team@example.com
app: payments-service
secret: payments-service/apigee-x
account: 012345678901
region: us-east-1
keyField: apiKey
secretField: apiSecret
maxAge: 30d
gracePeriod: PT36H
window: Mon-Wed,Fri 09:00-17:30 Europe/Berlin
probe:
  host: payments-gateway
  path: /payments/ping
  keyIn: query apikey`,
    );
    expect(spec).toEqual({
      environment: 'staging',
      provider: 'acme-x',
      developer: 'payments-team@example.com',
      app: 'payments-service',
      // The account id keeps its leading zero (YAML would otherwise read a number).
      secret: {
        name: 'payments-service/apigee-x',
        accountId: '012345678901',
        region: 'us-east-1',
      },
      fields: { key: 'apiKey', secret: 'apiSecret' },
      maxAgeMs: 30 * 24 * 3600 * 1000,
      gracePeriodMs: 36 * 3600 * 1000,
      window: {
        days: [1, 2, 3, 5],
        start: '09:00',
        end: '17:30',
        timeZone: 'Europe/Berlin',
      },
      probe: {
        host: 'payments-gateway',
        path: '/payments/ping',
        keyIn: { type: 'query', name: 'apikey' },
      },
    });
  });

  it.each([
    ['not YAML', 'prod', 'provider: [unclosed', /not valid YAML/],
    ['a plain string', 'prod', 'just-a-string', /must be a YAML mapping/],
    ['a list', 'prod', '- a\n- b', /must be a YAML mapping/],
    [
      'no provider',
      'prod',
      minimal.replace('provider: acme-edge\n', ''),
      /provider is required/,
    ],
    [
      'no secret',
      'prod',
      minimal.replace(`secret: ${ARN}`, ''),
      /secret is required/,
    ],
    [
      'an unknown field',
      'prod',
      `${minimal}\nmaxage: 3d`,
      /unknown field\(s\): maxage/,
    ],
    [
      'path traversal in the app',
      'prod',
      minimal.replace('app: orders-service', 'app: ../admin'),
      /app may only contain/,
    ],
    [
      'a slash in the app',
      'prod',
      minimal.replace('app: orders-service', 'app: a/b'),
      /app may only contain/,
    ],
    [
      'percent-encoding in the app',
      'prod',
      minimal.replace('app: orders-service', 'app: a%2F..'),
      /app may only contain/,
    ],
    [
      'a query in the developer',
      'prod',
      minimal.replace('orders-team@example.com', 'x@example.com?a=b'),
      /developer must be/,
    ],
    [
      'a traversal in the developer',
      'prod',
      minimal.replace('orders-team@example.com', '../../o/x'),
      /developer must be/,
    ],
    [
      'a malformed ARN',
      'prod',
      minimal.replace(ARN, 'arn:aws:s3:::bucket'),
      /not a valid Secrets Manager ARN/,
    ],
    [
      'an account that contradicts the ARN',
      'prod',
      `${minimal}\naccount: '222222222222'`,
      /must match the secret ARN/,
    ],
    [
      'a secret name without account',
      'prod',
      minimal.replace(ARN, 'orders/x'),
      /needs account and region/,
    ],
    [
      'a bad account id',
      'prod',
      `${minimal.replace(ARN, 'orders/x')}\naccount: 12ab\nregion: eu-west-1`,
      /12-digit AWS account id/,
    ],
    [
      'a bad duration',
      'prod',
      `${minimal}\nmaxAge: soon`,
      /maxAge "soon" is not a duration/,
    ],
    [
      'a zero duration',
      'prod',
      `${minimal}\ngracePeriod: 0h`,
      /gracePeriod "0h" is not a duration/,
    ],
    [
      'a bad weekday',
      'prod',
      `${minimal}\nwindow: Mon-Fry 09:00-17:00 UTC`,
      /window: unknown weekday "Fry"/,
    ],
    [
      'hours that run backwards',
      'prod',
      `${minimal}\nwindow: Mon 17:00-09:00 UTC`,
      /must end after they start/,
    ],
    [
      'an unknown time zone',
      'prod',
      `${minimal}\nwindow: Mon 09:00-17:00 Mars/Olympus`,
      /unknown time zone/,
    ],
    [
      'a probe with a URL instead of a path',
      'prod',
      `${minimal}\nprobe:\n  host: gw\n  path: http://evil.example/x`,
      /probe.path must be a plain path/,
    ],
    [
      'a probe path with ..',
      'prod',
      `${minimal}\nprobe:\n  host: gw\n  path: /a/../admin`,
      /must not contain/,
    ],
    [
      'a bad key placement',
      'prod',
      `${minimal}\nprobe:\n  host: gw\n  path: /ping\n  keyIn: cookie x`,
      /probe.keyIn must be/,
    ],
    [
      'equal field names',
      'prod',
      `${minimal}\nkeyField: k\nsecretField: k`,
      /must differ/,
    ],
    ['an invalid environment name', 'Prod_1', minimal, /environment "Prod_1"/],
    ['YAML aliases', 'prod', `a: &x [1]\nb: *x`, /not valid YAML/],
  ])(
    'rejects %s with a clear message',
    (_case, environment, value, message) => {
      expect(() => parseBindingAnnotation(environment, value)).toThrow(message);
    },
  );
});

describe('parseCredentialBindings', () => {
  it('returns good bindings and a per-annotation error for bad ones, never throwing', () => {
    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'orders-service',
        annotations: {
          'apigee.keyrotation.dev/prod': minimal,
          'apigee.keyrotation.dev/staging': 'provider: acme-edge',
          'backstage.io/source-location': 'url:https://example.com',
        },
      },
      spec: {},
    };
    const { bindings, errors } = parseCredentialBindings(entity);
    expect(bindings.map(b => b.environment)).toEqual(['prod']);
    expect(errors).toEqual([
      {
        environment: 'staging',
        annotation: 'apigee.keyrotation.dev/staging',
        message: expect.stringContaining('developer is required'),
      },
    ]);
  });
});
