import { fingerprint } from './fingerprint';

describe('fingerprint', () => {
  it('is stable, short and does not contain the value', () => {
    const value = 'aB3_dE6-gH9iJ2kL5mN8pQ1rS4tU7vW0';
    const fp = fingerprint(value);
    expect(fp).toBe(fingerprint(value));
    expect(fp).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(fp).not.toContain(value.slice(0, 6));
  });

  it('tells different values apart', () => {
    expect(fingerprint('key-one')).not.toBe(fingerprint('key-two'));
  });

  it('refuses an empty value rather than fingerprinting nothing', () => {
    expect(() => fingerprint('')).toThrow(TypeError);
  });
});
