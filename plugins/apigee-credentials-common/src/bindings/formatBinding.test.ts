import { formatBindingAnnotation } from './formatBinding';

describe('formatBindingAnnotation', () => {
  it('writes a secret given by name with its account (kept a string) and region', () => {
    const { key, value, spec } = formatBindingAnnotation('prod', {
      provider: 'acme-edge',
      developer: 'orders-team@example.com',
      app: 'checkout-service',
      secret: {
        name: 'checkout-service/apigee-prod',
        accountId: '011111111111',
        region: 'eu-west-1',
      },
      maxAge: '90d',
      window: 'Mon-Fri 09:00-17:00 Europe/Berlin',
    });
    expect(key).toBe('apigee.keyrotation.dev/prod');
    expect(value).toContain('account: "011111111111"');
    expect(spec).toMatchObject({
      environment: 'prod',
      app: 'checkout-service',
      secret: {
        name: 'checkout-service/apigee-prod',
        accountId: '011111111111',
        region: 'eu-west-1',
      },
      maxAgeMs: 90 * 24 * 3600_000,
      window: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    });
  });

  it('writes a secret given by ARN and leaves out a policy it was not given', () => {
    const arn =
      'arn:aws:secretsmanager:eu-west-1:111111111111:secret:checkout/prod-AbCdEf';
    const { value, spec } = formatBindingAnnotation('staging', {
      provider: 'acme-x',
      developer: 'orders-team@example.com',
      app: 'checkout',
      secret: { arn },
    });
    expect(value).not.toMatch(/maxAge|gracePeriod|window/);
    expect(spec.secret).toEqual({
      arn,
      accountId: '111111111111',
      region: 'eu-west-1',
    });
  });

  it('refuses a policy the parser would reject, with the parser message', () => {
    expect(() =>
      formatBindingAnnotation('prod', {
        provider: 'acme-edge',
        developer: 'orders-team@example.com',
        app: 'checkout',
        secret: {
          arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:x',
        },
        maxAge: 'ninety days',
      }),
    ).toThrow(/maxAge/);
    expect(() =>
      formatBindingAnnotation('Prod!', {
        provider: 'acme-edge',
        developer: 'orders-team@example.com',
        app: 'checkout',
        secret: {
          arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:x',
        },
      }),
    ).toThrow(/environment/);
  });
});
