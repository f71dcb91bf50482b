import {
  minutesFromNow,
  oldKey,
  stillUsedTraffic,
} from '../../__testUtils__/fixtures';
import {
  describeDeadline,
  describeTraffic,
  describeWindow,
  isRestorable,
  isRevocable,
  shortFingerprint,
  summarizeOldKeys,
} from './describeOldKey';

const window = (minutes: number) => ({
  ...stillUsedTraffic(),
  windowStart: minutesFromNow(-minutes),
  checkedAt: minutesFromNow(0),
});

describe('describeOldKey', () => {
  it.each([
    [30, 'the last 30 minutes'],
    [1, 'the last minute'],
    [60, 'the last hour'],
    [180, 'the last 3 hours'],
    [7 * 24 * 60, 'the last 7 days'],
  ])('words a window of %i minutes as "%s"', (minutes, words) => {
    expect(describeWindow(window(minutes))).toBe(words);
  });

  it('names five sources and counts the rest, so that a busy key keeps one line', () => {
    const sources = Array.from({ length: 7 }, (_, i) => ({
      proxy: `p${i}`,
      calls: 7 - i,
    }));
    const text = describeTraffic({ ...window(60), calls: 28, sources });
    expect(text).toMatch(/by proxy p0 \(7 calls\), .*proxy p4 \(3 calls\)/);
    expect(text).not.toMatch(/p5/);
    expect(text).toMatch(/ and 2 more sources$/);
    expect(
      describeTraffic({ ...window(60), calls: 1, sources: [{ calls: 1 }] }),
    ).toMatch(/^1 call in the last hour, .*by unknown source \(1 call\)$/);
  });

  it('offers revoke on keys that still work and restore within the window only', () => {
    const revoked = oldKey({
      state: 'revoked',
      restorableUntil: minutesFromNow(1),
    });
    expect(isRevocable(oldKey({ state: 'in-use' }))).toBe(true);
    expect(isRevocable(revoked)).toBe(false);
    expect(isRevocable(oldKey({ state: 'blocked' }))).toBe(false);
    expect(isRestorable(revoked)).toBe(true);
    expect(
      isRestorable({ ...revoked, restorableUntil: minutesFromNow(-1) }),
    ).toBe(false);
    expect(isRestorable(oldKey({ state: 'deleted' }))).toBe(false);
  });

  it('says when a key is revoked, and nothing for keys past that', () => {
    expect(describeDeadline(oldKey({ deadlineAt: undefined }), false)).toBe(
      undefined,
    );
    expect(describeDeadline(oldKey({ deadlineAt: undefined }), true)).toBe(
      'deleted when its grace period ends',
    );
    expect(describeDeadline(oldKey({ state: 'revoked' }), false)).toBe(
      undefined,
    );
  });

  it('sums old keys up by state and shortens fingerprints to their digits', () => {
    expect(
      summarizeOldKeys([
        oldKey({ state: 'in-use' }),
        oldKey({ state: 'in-use' }),
        oldKey({ state: 'waiting-for-analytics' }),
      ]),
    ).toBe('2 still used, 1 waiting for analytics');
    expect(shortFingerprint('sha256:0123456789ab')).toBe('0123456789ab');
    expect(shortFingerprint('fp-0ld0ld')).toBe('fp-0ld0ld');
  });
});
