import {
  KeyProviderError,
  isKeyProviderError,
  keyProviderErrorKindForStatus,
} from './errors';

describe('KeyProviderError', () => {
  it('carries kind, status, code and Retry-After', () => {
    const error = new KeyProviderError('Apigee import key failed', {
      kind: 'transient',
      status: 429,
      retryAfterMs: 1000,
    });
    expect(error).toMatchObject({
      name: 'KeyProviderError',
      kind: 'transient',
      retryAfterMs: 1000,
    });
    expect(isKeyProviderError(error)).toBe(true);
  });

  it('is recognised across package copies by shape, not only by class', () => {
    const foreign = Object.assign(new Error('x'), {
      name: 'KeyProviderError',
      kind: 'conflict',
    });
    expect(isKeyProviderError(foreign)).toBe(true);
    expect(isKeyProviderError(new Error('x'))).toBe(false);
    expect(isKeyProviderError(undefined)).toBe(false);
  });

  it.each([
    [429, 'transient'],
    [503, 'transient'],
    [408, 'transient'],
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [404, 'not-found'],
    [409, 'conflict'],
    [400, 'invalid'],
  ])('HTTP %i is %s', (status, kind) => {
    expect(keyProviderErrorKindForStatus(status)).toBe(kind);
  });
});
