import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import { Knex } from 'knex';

/** Node's channels for outgoing HTTP: fetch (undici; Apigee, probes) and node:http (AWS SDK). */
const CHANNELS = {
  start: ['undici:request:create', 'http.client.request.start'],
  end: [
    'undici:request:headers',
    'undici:request:error',
    'http.client.response.finish',
    'http.client.request.error',
  ],
};

interface Interval {
  start: number;
  end: number;
  /** What ran: `GET /path` for a call, the statement's first words for a query. */
  label?: string;
}

/** Where one credential's time went, in ms. */
export interface CredentialTimes {
  /** From the start of its check to the end of its rotation. */
  elapsedMs: number;
  /** Sequential round trips: see {@link RoundTripTracker.roundTrips}. */
  roundTrips: number;
  /** Time spent in those round trips (each call from request to response). */
  roundTripMs: number;
  /** Time spent in database statements. */
  databaseMs: number;
}

/**
 * Measures, per credential, the sequential round trips its work needs and where its time
 * goes, from the outgoing HTTP calls and database statements themselves: work run through
 * {@link RoundTripTracker.run} is tagged with its credential (async context follows it into
 * every call it makes). Calls sent together overlap in time and so count once.
 */
export class RoundTripTracker {
  readonly #context = new AsyncLocalStorage<string>();
  readonly #open = new WeakMap<
    object,
    { credential: string; start: number; label: string }
  >();
  readonly #openQueries = new Map<
    string,
    { credential: string; start: number; label: string }
  >();
  readonly #calls = new Map<string, Interval[]>();
  readonly #queries = new Map<string, Interval[]>();
  readonly #spans = new Map<string, Interval>();
  readonly #onStart = (message: unknown) => {
    const credential = this.#context.getStore();
    const request = (message as { request?: object }).request;
    if (credential && request) {
      this.#open.set(request, {
        credential,
        start: performance.now(),
        label: callLabel(request),
      });
    }
  };
  readonly #onEnd = (message: unknown) => {
    const request = (message as { request?: object }).request;
    const open = request && this.#open.get(request);
    if (!open) return;
    this.#open.delete(request);
    push(this.#calls, open.credential, open.start, open.label);
  };
  readonly #onQuery = (query: { __knexQueryUid?: string; sql?: string }) => {
    const credential = this.#context.getStore();
    if (credential && query.__knexQueryUid) {
      this.#openQueries.set(query.__knexQueryUid, {
        credential,
        start: performance.now(),
        label: (query.sql ?? '').replace(/\s+/g, ' ').slice(0, 70),
      });
    }
  };
  readonly #onQueryDone = (_: unknown, query: { __knexQueryUid?: string }) => {
    const open = this.#openQueries.get(query.__knexQueryUid ?? '');
    if (!open) return;
    this.#openQueries.delete(query.__knexQueryUid!);
    push(this.#queries, open.credential, open.start, open.label);
  };

  /** Starts recording HTTP calls, and the statements run through `knex`. */
  start(knex: Knex): void {
    for (const name of CHANNELS.start)
      diagnosticsChannel.subscribe(name, this.#onStart);
    for (const name of CHANNELS.end)
      diagnosticsChannel.subscribe(name, this.#onEnd);
    knex.on('query', this.#onQuery);
    knex.on('query-response', this.#onQueryDone);
    knex.on('query-error', this.#onQueryDone);
  }

  stop(knex: Knex): void {
    for (const name of CHANNELS.start)
      diagnosticsChannel.unsubscribe(name, this.#onStart);
    for (const name of CHANNELS.end)
      diagnosticsChannel.unsubscribe(name, this.#onEnd);
    knex.off('query', this.#onQuery);
    knex.off('query-response', this.#onQueryDone);
    knex.off('query-error', this.#onQueryDone);
  }

  /** Runs `fn` with every call and statement it leads to counted for `credential`. */
  async run<T>(credential: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await this.#context.run(credential, fn);
    } finally {
      const span = this.#spans.get(credential);
      this.#spans.set(credential, {
        start: span?.start ?? start,
        end: performance.now(),
      });
    }
  }

  /** HTTP calls recorded, over all credentials. */
  get totalCalls(): number {
    let total = 0;
    for (const calls of this.#calls.values()) total += calls.length;
    return total;
  }

  /**
   * Sequential round trips of one credential: the longest chain of its calls in which each
   * starts after the one before has ended (earliest end first finds it).
   */
  roundTrips(credential: string): number {
    return longestChain(this.#calls.get(credential) ?? []).length;
  }

  times(credential: string): CredentialTimes {
    const chain = longestChain(this.#calls.get(credential) ?? []);
    const span = this.#spans.get(credential);
    return {
      elapsedMs: span ? span.end - span.start : 0,
      roundTrips: chain.length,
      roundTripMs: chain.reduce((t, c) => t + (c.end - c.start), 0),
      databaseMs: (this.#queries.get(credential) ?? []).reduce(
        (t, q) => t + (q.end - q.start),
        0,
      ),
    };
  }

  /**
   * One credential's calls and statements in the order they started, as text lines with
   * start offset and duration in ms (for `--timeline`).
   */
  timeline(credential: string): string[] {
    const span = this.#spans.get(credential);
    const origin = span?.start ?? 0;
    const events = [
      ...(this.#calls.get(credential) ?? []).map(e => ({ ...e, kind: 'http' })),
      ...(this.#queries.get(credential) ?? []).map(e => ({
        ...e,
        kind: 'sql ',
      })),
    ].sort((a, b) => a.start - b.start);
    const lines = events.map(
      e =>
        `${(e.start - origin).toFixed(1).padStart(7)} +${(e.end - e.start)
          .toFixed(1)
          .padStart(5)}  ${e.kind}  ${e.label ?? ''}`,
    );
    if (span) lines.push(`${(span.end - origin).toFixed(1).padStart(7)}  end`);
    return lines;
  }
}

function push(
  map: Map<string, Interval[]>,
  key: string,
  start: number,
  label?: string,
) {
  const list = map.get(key) ?? [];
  list.push({ start, end: performance.now(), label });
  map.set(key, list);
}

/**
 * `GET /path` of an undici request, the operation (`X-Amz-Target`) of an AWS SDK request;
 * without query strings and with key segments masked, as they may carry a consumer key.
 */
function callLabel(request: object): string {
  const r = request as {
    method?: string;
    path?: string;
    getHeader?: (name: string) => unknown;
  };
  const target = r.getHeader?.('x-amz-target');
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const path = (r.path ?? '')
    .split('?')[0]
    .replace(/\/keys\/[^/]+/g, '/keys/…');
  return `${r.method ?? '?'} ${path}`;
}

function longestChain(calls: Interval[]): Interval[] {
  const chain: Interval[] = [];
  let lastEnd = -Infinity;
  for (const call of [...calls].sort((a, b) => a.end - b.end)) {
    if (call.start >= lastEnd) {
      chain.push(call);
      lastEnd = call.end;
    }
  }
  return chain;
}
