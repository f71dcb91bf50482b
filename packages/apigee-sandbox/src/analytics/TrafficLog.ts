import { TrafficDimensions } from './dimensions';

/** One call that passed VerifyAPIKey at the gateway. */
export interface TrafficCall extends TrafficDimensions {
  /** When the call was made, ms since epoch. */
  atMs: number;
}

/** The calls sharing every dimension within one UTC minute. */
export interface TrafficBucket extends TrafficDimensions {
  /** Start of the minute, ms since epoch. */
  minuteMs: number;
  calls: number;
  /** Of `calls`, how many the stats API does not show yet (younger than the analytics delay). */
  pending: number;
  firstCallMs: number;
  lastCallMs: number;
}

export interface TrafficLogOptions {
  /** Buckets older than this are dropped; 7 days unless set. */
  retentionMs?: number;
  /** At most this many buckets are kept (the oldest go first); 100 000 unless set. */
  maxBuckets?: number;
  /**
   * At most this many calls wait for the analytics delay; beyond it the oldest are shown
   * early (a false "used" is safer for a retirement check than a false "unused").
   */
  maxPending?: number;
}

const MINUTE_MS = 60_000;

/**
 * What the gateway recorded, as Apigee analytics would aggregate it: a count per
 * org|env|proxy|key|client IP|app|product|minute, so memory grows with distinct callers, not
 * with calls. Calls still inside the analytics delay are also queued by time, because the
 * delay is measured per call and a minute's count may be only partly visible.
 */
export class TrafficLog {
  readonly #retentionMs: number;
  readonly #maxBuckets: number;
  readonly #maxPending: number;
  // Map order is insertion order, which follows time: pruning starts at the front.
  #buckets = new Map<string, TrafficBucket>();
  /** Calls not yet visible, oldest first. */
  #pending: { key: string; atMs: number }[] = [];

  constructor(options: TrafficLogOptions = {}) {
    this.#retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
    this.#maxBuckets = options.maxBuckets ?? 100_000;
    this.#maxPending = options.maxPending ?? 100_000;
  }

  record(call: TrafficCall): void {
    const minuteMs = Math.floor(call.atMs / MINUTE_MS) * MINUTE_MS;
    const dimensions: TrafficDimensions = {
      org: call.org,
      environment: call.environment,
      proxy: call.proxy,
      consumerKey: call.consumerKey,
      clientIp: call.clientIp,
      app: call.app,
      apiProduct: call.apiProduct,
    };
    const key = JSON.stringify([...Object.values(dimensions), minuteMs]);
    const bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.calls += 1;
      bucket.pending += 1;
      bucket.firstCallMs = Math.min(bucket.firstCallMs, call.atMs);
      bucket.lastCallMs = Math.max(bucket.lastCallMs, call.atMs);
    } else {
      this.#buckets.set(key, {
        ...dimensions,
        minuteMs,
        calls: 1,
        pending: 1,
        firstCallMs: call.atMs,
        lastCallMs: call.atMs,
      });
    }
    this.#enqueue(key, call.atMs);
    if (this.#pending.length > this.#maxPending) this.#release(1);
    this.#prune(call.atMs);
  }

  /**
   * Makes every call at least `delayMs` old visible. A shorter delay later releases more; a
   * longer one does not hide again what was shown, as published analytics stays published.
   */
  settle(nowMs: number, delayMs: number): void {
    let ready = 0;
    while (
      ready < this.#pending.length &&
      nowMs - this.#pending[ready].atMs >= delayMs
    ) {
      ready += 1;
    }
    this.#release(ready);
    this.#prune(nowMs);
  }

  /** Copies of the buckets, optionally of one organisation. */
  buckets(org?: string): TrafficBucket[] {
    const result: TrafficBucket[] = [];
    for (const bucket of this.#buckets.values()) {
      if (org === undefined || bucket.org === org) result.push({ ...bucket });
    }
    return result;
  }

  clear(): void {
    this.#buckets.clear();
    this.#pending = [];
  }

  /** Keeps the queue sorted; calls normally arrive in time order, so this rarely moves. */
  #enqueue(key: string, atMs: number): void {
    let index = this.#pending.length;
    while (index > 0 && this.#pending[index - 1].atMs > atMs) index -= 1;
    this.#pending.splice(index, 0, { key, atMs });
  }

  #release(count: number): void {
    if (count === 0) return;
    for (const { key } of this.#pending.splice(0, count)) {
      const bucket = this.#buckets.get(key);
      if (bucket) bucket.pending -= 1;
    }
  }

  #prune(nowMs: number): void {
    const oldest = nowMs - this.#retentionMs;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.minuteMs >= oldest && this.#buckets.size <= this.#maxBuckets) {
        break;
      }
      this.#buckets.delete(key);
    }
  }
}
