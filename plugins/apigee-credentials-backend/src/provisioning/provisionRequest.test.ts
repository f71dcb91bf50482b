import { validateProvisionRequest } from './provisionRequest';

const valid = {
  requestId: 'scaffolder:task-1:provision:prod:checkout',
  provider: 'acme-edge',
  developer: 'orders-team@example.com',
  app: 'checkout',
  apiProducts: ['orders-api'],
  environment: 'prod',
  secret: {
    name: 'checkout/apigee-prod',
    accountId: '111111111111',
    region: 'eu-west-1',
  },
  owner: 'team-orders',
};

describe('validateProvisionRequest', () => {
  it('accepts a request and derives the full owner ref and the annotation', () => {
    const request = validateProvisionRequest({
      ...valid,
      policy: { maxAge: '90d', window: 'Mon-Fri 09:00-17:00 Europe/Berlin' },
    });
    expect(request.owner).toBe('group:default/team-orders');
    expect(request.annotation.key).toBe('apigee.keyrotation.dev/prod');
    expect(request.annotation.value).toContain('maxAge: 90d');
  });

  it('gives the same hash whatever the key order, another for other input', () => {
    const a = validateProvisionRequest(valid);
    const b = validateProvisionRequest(
      Object.fromEntries(Object.entries(valid).reverse()),
    );
    const c = validateProvisionRequest({ ...valid, apiProducts: ['other'] });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
    // The id and dry-run flag do not change what is asked for.
    expect(
      validateProvisionRequest({ ...valid, requestId: 'other', dryRun: true })
        .hash,
    ).toBe(a.hash);
  });

  it.each([
    [{ requestId: 'has spaces' }, /requestId/],
    [{ apiProducts: [] }, /apiProducts: at least one/],
    [{ apiProducts: ['a', 'a'] }, /no duplicates/],
    [{ secret: { ...valid.secret, accountId: '42' } }, /accountId/],
    [{ secret: { arn: 'not-an-arn' } }, /arn/],
    [{ secret: { ...valid.secret, tags: { 'bad\u0000key': 'x' } } }, /tag/],
    [{ environment: 'Prod' }, /environment/],
    [{ app: '../etc' }, /app/],
    [{ developer: 'a b' }, /developer/],
    [{ owner: 'component:x:y:z' }, /owner/],
    [{ policy: { maxAge: 'soon' } }, /maxAge/],
    [{ policy: { window: 'whenever' } }, /window/],
    [{ extra: true }, /Unrecognized key|unrecognized/i],
  ])('refuses %j with a message naming the field', (patch, message) => {
    expect(() => validateProvisionRequest({ ...valid, ...patch })).toThrow(
      message,
    );
  });

  it('refuses a body that is not an object', () => {
    expect(() => validateProvisionRequest('provision please')).toThrow(
      /Invalid provision request/,
    );
  });
});
