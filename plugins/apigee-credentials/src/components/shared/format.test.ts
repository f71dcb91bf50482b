import { formatActor, formatDays, formatRelative } from './format';

describe('format', () => {
  it('writes ages as "<n> days"', () => {
    expect(formatDays(0)).toBe('0 days');
    expect(formatDays(1)).toBe('1 day');
    expect(formatDays(45.9)).toBe('45 days');
  });

  it('writes times relative to now in days, hours or minutes, rounded', () => {
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const DAY = 24 * 3600 * 1000;
    expect(formatRelative(at(78 * DAY - 5000))).toBe('in 78 days');
    expect(formatRelative(at(-12 * DAY))).toBe('12 days ago');
    expect(formatRelative(at(36 * 3600 * 1000))).toBe('in 36 hours');
    expect(formatRelative(at(-5 * 60 * 1000))).toBe('5 minutes ago');
    expect(formatRelative(at(-2000))).toBe('just now');
    expect(formatRelative(undefined)).toBeUndefined();
    expect(formatRelative('not a date')).toBeUndefined();
  });

  it('shortens users of the default namespace to their name', () => {
    expect(formatActor('user:default/guest')).toBe('guest');
    expect(formatActor('user:ops/jane')).toBe('user:ops/jane');
    expect(formatActor('group:default/platform')).toBe(
      'group:default/platform',
    );
  });
});
