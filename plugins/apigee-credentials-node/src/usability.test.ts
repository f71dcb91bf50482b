import { DeveloperAppDetails } from './KeyProvider';
import { assessKeyUsability } from './usability';

const app = (
  patch: Partial<DeveloperAppDetails> = {},
): DeveloperAppDetails => ({
  developer: 'dev@example.com',
  app: 'orders',
  status: 'approved',
  developerStatus: 'active',
  keys: [
    {
      consumerKey: 'key-1',
      status: 'approved',
      apiProducts: [
        { apiProduct: 'orders-api', status: 'approved' },
        { apiProduct: 'admin-api', status: 'pending' },
      ],
    },
  ],
  ...patch,
});

describe('assessKeyUsability', () => {
  it('accepts an approved, unexpired key of an approved app with an approved product', () => {
    expect(assessKeyUsability(app(), app().keys[0])).toEqual({
      usable: true,
      problems: [],
    });
  });

  it('names every reason a key cannot be used', () => {
    const key = {
      consumerKey: 'key-1',
      status: 'revoked' as const,
      expiresAt: new Date('2020-01-01T00:00:00Z'),
      apiProducts: [],
    };
    const result = assessKeyUsability(
      app({ status: 'revoked', developerStatus: 'inactive' }),
      key,
      { now: new Date('2026-01-01T00:00:00Z') },
    );
    expect(result.usable).toBe(false);
    expect(result.problems.map(p => p.code)).toEqual([
      'key-revoked',
      'key-expired',
      'app-revoked',
      'developer-inactive',
      'no-products',
    ]);
    expect(
      assessKeyUsability(app(), undefined).problems.map(p => p.code),
    ).toEqual(['key-missing']);
  });

  it('checks product parity: missing, unapproved and unexpected products', () => {
    const result = assessKeyUsability(app(), app().keys[0], {
      expectedApiProducts: ['admin-api', 'reports-api'],
    });
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'product-not-approved',
        apiProduct: 'admin-api',
      }),
      expect.objectContaining({
        code: 'product-missing',
        apiProduct: 'reports-api',
      }),
      expect.objectContaining({
        code: 'product-unexpected',
        apiProduct: 'orders-api',
      }),
    ]);
    expect(
      assessKeyUsability(app(), app().keys[0], {
        expectedApiProducts: ['orders-api'],
      }).usable,
    ).toBe(true);
  });

  it('never puts the consumer key in its messages', () => {
    const result = assessKeyUsability(app({ status: 'revoked' }), {
      ...app().keys[0],
      status: 'revoked',
    });
    expect(result.problems.map(p => p.message).join(' ')).not.toContain(
      'key-1',
    );
  });
});
