import { TrafficBucket } from '../analytics/TrafficLog';
import { fingerprint } from './fingerprint';

/** Calls with one key through one proxy from one client IP, as `GET /_sandbox/traffic` lists them. */
export interface TrafficSummary {
  org: string;
  environment: string;
  proxy: string;
  /** First 12 hex chars of the consumer key's SHA-256; the key itself is never returned. */
  keyFingerprint: string;
  app: string;
  clientIp: string;
  calls: number;
  /** Of `calls`, how many the stats API shows now (the others wait for `analyticsDelayMs`). */
  visibleCalls: number;
  firstCallAt: string;
  lastCallAt: string;
}

/** The body of `GET /_sandbox/traffic`. */
export interface TrafficSummaryResponse {
  traffic: TrafficSummary[];
}

/** Folds the per-minute buckets into one line per org|env|proxy|key|client IP. */
export function summarizeTraffic(
  buckets: readonly TrafficBucket[],
): TrafficSummaryResponse {
  const lines = new Map<
    string,
    Omit<TrafficSummary, 'firstCallAt' | 'lastCallAt'> & {
      firstMs: number;
      lastMs: number;
    }
  >();
  for (const bucket of buckets) {
    const keyFingerprint = fingerprint(bucket.consumerKey);
    const id = JSON.stringify([
      bucket.org,
      bucket.environment,
      bucket.proxy,
      keyFingerprint,
      bucket.clientIp,
    ]);
    const line = lines.get(id);
    const visible = bucket.calls - bucket.pending;
    if (line) {
      line.calls += bucket.calls;
      line.visibleCalls += visible;
      line.firstMs = Math.min(line.firstMs, bucket.firstCallMs);
      line.lastMs = Math.max(line.lastMs, bucket.lastCallMs);
    } else {
      lines.set(id, {
        org: bucket.org,
        environment: bucket.environment,
        proxy: bucket.proxy,
        keyFingerprint,
        app: bucket.app,
        clientIp: bucket.clientIp,
        calls: bucket.calls,
        visibleCalls: visible,
        firstMs: bucket.firstCallMs,
        lastMs: bucket.lastCallMs,
      });
    }
  }
  const traffic = [...lines.values()]
    .sort((a, b) => a.firstMs - b.firstMs)
    .map(({ firstMs, lastMs, ...line }) => ({
      ...line,
      firstCallAt: new Date(firstMs).toISOString(),
      lastCallAt: new Date(lastMs).toISOString(),
    }));
  return { traffic };
}
