import { TrafficCall, TrafficLog } from './TrafficLog';

const T0 = Date.parse('2025-06-01T12:00:00Z');
const DAY = 86_400_000;

const callAt = (atMs: number, consumerKey = 'k1'): TrafficCall => ({
  org: 'o',
  environment: 'prod',
  proxy: 'p',
  consumerKey,
  clientIp: '203.0.113.7',
  app: 'a',
  apiProduct: 'prod-api',
  atMs,
});

describe('TrafficLog', () => {
  it('aggregates calls of one minute into one bucket', () => {
    const log = new TrafficLog();
    for (let i = 0; i < 1000; i++) log.record(callAt(T0 + i * 10));
    log.record(callAt(T0 + 60_000));
    log.settle(T0 + 120_000, 0);
    expect(log.buckets().map(b => [b.minuteMs, b.calls, b.pending])).toEqual([
      [T0, 1000, 0],
      [T0 + 60_000, 1, 0],
    ]);
    expect(log.buckets()[0]).toMatchObject({
      firstCallMs: T0,
      lastCallMs: T0 + 9_990,
    });
  });

  it('shows a call only once it is delayMs old, per call within a minute', () => {
    const log = new TrafficLog();
    log.record(callAt(T0));
    log.record(callAt(T0 + 30_000));
    log.settle(T0 + 40_000, 20_000);
    expect(log.buckets()[0]).toMatchObject({ calls: 2, pending: 1 });
    log.settle(T0 + 50_000, 20_000);
    expect(log.buckets()[0]).toMatchObject({ calls: 2, pending: 0 });
  });

  it('drops buckets older than the retention', () => {
    const log = new TrafficLog();
    log.record(callAt(T0));
    log.record(callAt(T0 + 7 * DAY - 60_000, 'k2'));
    expect(log.buckets()).toHaveLength(2);
    log.record(callAt(T0 + 7 * DAY + 60_000, 'k3'));
    expect(log.buckets().map(b => b.consumerKey)).toEqual(['k2', 'k3']);
  });

  it('keeps at most maxBuckets, dropping the oldest', () => {
    const log = new TrafficLog({ maxBuckets: 3 });
    for (let i = 0; i < 5; i++) log.record(callAt(T0 + i * 60_000));
    expect(log.buckets().map(b => b.minuteMs)).toEqual([
      T0 + 2 * 60_000,
      T0 + 3 * 60_000,
      T0 + 4 * 60_000,
    ]);
  });

  it('shows the oldest waiting calls early when more than maxPending wait', () => {
    const log = new TrafficLog({ maxPending: 2 });
    for (let i = 0; i < 3; i++) log.record(callAt(T0 + i));
    expect(log.buckets()[0]).toMatchObject({ calls: 3, pending: 2 });
  });

  it('clear() forgets everything', () => {
    const log = new TrafficLog();
    log.record(callAt(T0));
    log.clear();
    log.settle(T0 + DAY, 0);
    expect(log.buckets()).toEqual([]);
  });
});
