import { KeyTraffic } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { DateTime } from 'luxon';

/**
 * Apigee's stats API (Edge/OPDK and X answer alike): calls with one consumer key, grouped by
 * one dimension, per minute. See docs/key-retirement.md for the endpoints and permissions.
 */

/** The two groupings asked for: per API proxy (also gives the count) and per client IP. */
export const TRAFFIC_DIMENSIONS = ['apiproxy', 'client_ip'] as const;
export type TrafficDimension = (typeof TRAFFIC_DIMENSIONS)[number];

const METRIC = 'sum(message_count)';

/** Analytics filters quote values with `'`; a key holding one cannot be asked about safely. */
const FILTERABLE_KEY = /^[^'\\\s]+$/;

/** The query string of one stats request. `to` is rounded up: the window's end is exclusive. */
export function statsQuery(
  consumerKey: string,
  from: Date,
  to: Date,
): Record<string, string> {
  if (!FILTERABLE_KEY.test(consumerKey)) {
    throw new Error(
      'the consumer key holds a quote, backslash or space and cannot be used in an analytics filter',
    );
  }
  const minute = (date: Date, roundUp: boolean) => {
    const start = DateTime.fromJSDate(date, { zone: 'utc' }).startOf('minute');
    const rounded =
      roundUp && start.toMillis() < date.getTime()
        ? start.plus({ minutes: 1 })
        : start;
    return rounded.toFormat('MM/dd/yyyy HH:mm');
  };
  return {
    select: METRIC,
    timeRange: `${minute(from, false)}~${minute(to, true)}`,
    timeUnit: 'minute',
    filter: `(client_id eq '${consumerKey}')`,
  };
}

interface StatsBody {
  environments?: Array<{
    name?: string;
    dimensions?: Array<{
      name?: string;
      metrics?: Array<{
        name?: string;
        values?: Array<{ timestamp?: number; value?: string | number }>;
      }>;
    }>;
  }>;
}

/** Calls per value of the dimension, and the start of the newest minute with a call. */
export interface DimensionTraffic {
  byValue: Map<string, number>;
  calls: number;
  lastCallMs?: number;
}

/** Reads one stats answer; throws on a shape that is not Apigee's (never guesses zero). */
export function parseStats(body: unknown): DimensionTraffic {
  const environments = (body as StatsBody | undefined)?.environments;
  if (!Array.isArray(environments)) {
    throw new Error('the analytics answer has no environments list');
  }
  const byValue = new Map<string, number>();
  let calls = 0;
  let lastCallMs: number | undefined;
  for (const environment of environments) {
    for (const dimension of environment.dimensions ?? []) {
      const metric = dimension.metrics?.find(m => m.name === METRIC);
      let count = 0;
      for (const point of metric?.values ?? []) {
        const value = Number(point.value);
        if (!Number.isFinite(value)) {
          throw new Error(
            'the analytics answer holds a value that is not a number',
          );
        }
        if (value <= 0) continue;
        count += value;
        if (typeof point.timestamp === 'number') {
          lastCallMs = Math.max(lastCallMs ?? 0, point.timestamp);
        }
      }
      if (count === 0) continue;
      const name = dimension.name ?? '(not set)';
      byValue.set(name, (byValue.get(name) ?? 0) + count);
      calls += count;
    }
  }
  return { byValue, calls, lastCallMs };
}

/** Merges the per-proxy and per-client answers of every environment into one figure. */
export function combineTraffic(
  answers: Array<{ dimension: TrafficDimension; traffic: DimensionTraffic }>,
): KeyTraffic {
  let calls = 0;
  let lastCallMs: number | undefined;
  const proxies = new Map<string, number>();
  const clients = new Map<string, number>();
  for (const { dimension, traffic } of answers) {
    const into = dimension === 'apiproxy' ? proxies : clients;
    for (const [value, count] of traffic.byValue) {
      into.set(value, (into.get(value) ?? 0) + count);
    }
    // The per-proxy answer counts every call once; the per-client one would count them again.
    if (dimension === 'apiproxy') calls += traffic.calls;
    if (traffic.lastCallMs !== undefined) {
      lastCallMs = Math.max(lastCallMs ?? 0, traffic.lastCallMs);
    }
  }
  const sources = [
    ...[...proxies].map(([proxy, n]) => ({ proxy, calls: n })),
    ...[...clients].map(([client, n]) => ({ client, calls: n })),
  ].sort((a, b) => b.calls - a.calls);
  return {
    calls,
    lastCallAt: lastCallMs === undefined ? undefined : new Date(lastCallMs),
    sources,
  };
}
