import { dimensionValue } from './dimensions';
import { StatsQuery } from './statsQuery';
import { TrafficBucket } from './TrafficLog';

/** A metric value: a bare string without `timeUnit`, a point per time bucket with it. */
export type StatsValue = string | { timestamp: number; value: string };

/** The stats answer, alike on Edge and X (`environments[].dimensions[].metrics[]`). */
export interface StatsResponse {
  environments: Array<{
    name: string;
    dimensions: Array<{
      name: string;
      metrics: Array<{ name: string; values: StatsValue[] }>;
    }>;
  }>;
  metaData: { errors: string[]; notices: string[] };
}

/**
 * Groups the visible calls of one environment by the requested dimensions. Only calls in
 * `[fromMs, toMs)` count; a dimension value without calls does not appear (as on Apigee).
 */
export function statsReport(
  environment: string,
  buckets: readonly TrafficBucket[],
  query: StatsQuery,
): StatsResponse {
  // dimension entry name → time bucket start (or 0 for the total) → calls
  const groups = new Map<string, Map<number, number>>();
  for (const bucket of buckets) {
    const calls = bucket.calls - bucket.pending;
    if (calls <= 0 || bucket.environment !== environment) continue;
    if (bucket.minuteMs < query.fromMs || bucket.minuteMs >= query.toMs)
      continue;
    if (!query.filter(bucket)) continue;
    const name = query.dimensions.map(d => dimensionValue(d, bucket)).join(',');
    const at = query.bucketMs
      ? Math.floor(bucket.minuteMs / query.bucketMs) * query.bucketMs
      : 0;
    const series = groups.get(name) ?? new Map<number, number>();
    series.set(at, (series.get(at) ?? 0) + calls);
    groups.set(name, series);
  }

  const total = (series: Map<number, number>) =>
    [...series.values()].reduce((sum, n) => sum + n, 0);
  const sign = query.ascending ? 1 : -1;
  const ranked = [...groups]
    .map(([name, series]) => ({ name, series, total: total(series) }))
    .sort((a, b) => sign * (a.total - b.total) || a.name.localeCompare(b.name));
  const end =
    query.limit === undefined ? undefined : query.offset + query.limit;

  return {
    environments: [
      {
        name: environment,
        dimensions: ranked.slice(query.offset, end).map(group => ({
          name: group.name,
          metrics: query.metrics.map(metric => ({
            name: metric,
            values: values(group.series, query.bucketMs !== undefined),
          })),
        })),
      },
    ],
    metaData: {
      errors: [],
      notices: ['Source:Postgres', 'query served by:sandbox'],
    },
  };
}

function values(series: Map<number, number>, perTime: boolean): StatsValue[] {
  if (!perTime) return [formatCount(series.get(0) ?? 0)];
  return [...series]
    .sort(([a], [b]) => b - a) // newest first, as Apigee lists them
    .map(([timestamp, calls]) => ({ timestamp, value: formatCount(calls) }));
}

/**
 * A count as Apigee prints it: a Java double, `"12.0"`, switching to `"1.2345678E7"` from ten
 * million on, so clients that parse it are tested with both forms.
 */
export function formatCount(calls: number): string {
  if (calls < 1e7) return `${calls}.0`;
  const [mantissa, exponent] = calls.toExponential().split('e+');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent}`;
}
