import { apigeeErrors } from '../apigee/errors';
import {
  STATS_DIMENSIONS,
  StatsDimension,
  TrafficDimensions,
  isStatsDimension,
} from './dimensions';
import { parseStatsFilter } from './statsFilter';

/** The metrics the sandbox can compute: calls are all it records. */
const METRICS = new Set(['sum(message_count)', 'message_count']);

const TIME_UNITS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
export type TimeUnit = keyof typeof TIME_UNITS;

/** A stats request, validated. */
export interface StatsQuery {
  dimensions: StatsDimension[];
  /** Metric names as asked for (they name the answer's metrics). */
  metrics: string[];
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  /** Bucket length when `timeUnit` was given. */
  bucketMs?: number;
  filter: (call: TrafficDimensions) => boolean;
  ascending: boolean;
  limit?: number;
  offset: number;
}

/** `M/D/YYYY HH:MM` in UTC; Apigee's examples use both `1/1/2013` and `01/01/2013`. */
const TIME = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2})\s*$/;

const invalid = (message: string, subject?: string) =>
  apigeeErrors.invalidStatsQuery(message, subject);

/**
 * Reads `/stats/{dimensions}` and its query (`select`, `timeRange`, `timeUnit`, `filter`,
 * `sortby`, `sort`, `limit`, `offset`); throws a 400 ApigeeError naming what is wrong.
 */
export function parseStatsQuery(
  dimensionsParam: string,
  query: Record<string, unknown>,
): StatsQuery {
  const dimensions = dimensionsParam.split(',').map(d => d.trim());
  for (const dimension of dimensions) {
    if (!isStatsDimension(dimension)) {
      throw invalid(
        `Invalid dimension ${dimension}; the sandbox supports ${STATS_DIMENSIONS.join(
          ', ',
        )}`,
        dimension,
      );
    }
  }
  const select = single(query, 'select');
  if (!select) throw invalid('select is required', 'select');
  const metrics = select.split(',').map(m => m.trim());
  for (const metric of metrics) {
    if (!METRICS.has(metric)) {
      throw invalid(
        `Invalid select ${metric}; the sandbox supports ${[...METRICS].join(
          ', ',
        )}`,
        'select',
      );
    }
  }
  const { fromMs, toMs } = parseTimeRange(single(query, 'timeRange'));
  const timeUnit = single(query, 'timeUnit');
  if (timeUnit !== undefined && !(timeUnit in TIME_UNITS)) {
    throw invalid(
      `Invalid timeUnit ${timeUnit}; the sandbox supports minute, hour, day`,
      'timeUnit',
    );
  }
  const sort = (single(query, 'sort') ?? 'DESC').toUpperCase();
  if (sort !== 'ASC' && sort !== 'DESC') {
    throw invalid('sort must be ASC or DESC', 'sort');
  }
  const sortby = single(query, 'sortby');
  if (sortby !== undefined && !metrics.includes(sortby.trim())) {
    throw invalid('sortby must be one of the selected metrics', 'sortby');
  }
  return {
    dimensions: dimensions as StatsDimension[],
    metrics,
    fromMs,
    toMs,
    bucketMs: timeUnit ? TIME_UNITS[timeUnit as TimeUnit] : undefined,
    filter: parseStatsFilter(single(query, 'filter')),
    ascending: sort === 'ASC',
    limit: count(query, 'limit', 1),
    offset: count(query, 'offset', 0) ?? 0,
  };
}

function parseTimeRange(value: string | undefined): {
  fromMs: number;
  toMs: number;
} {
  if (!value) throw invalid('timeRange is required', 'timeRange');
  const parts = value.split('~');
  const [fromMs, toMs] = parts.map(parseTime);
  if (parts.length !== 2 || fromMs === undefined || toMs === undefined) {
    throw invalid(
      `Invalid timeRange ${value}; expected MM/DD/YYYY HH:MM~MM/DD/YYYY HH:MM (UTC)`,
      'timeRange',
    );
  }
  if (fromMs >= toMs) {
    throw invalid('The timeRange must end after it starts', 'timeRange');
  }
  return { fromMs, toMs };
}

function parseTime(text: string): number | undefined {
  const match = TIME.exec(text);
  if (!match) return undefined;
  const [month, day, year, hour, minute] = match.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute);
  const date = new Date(ms);
  // Date.UTC rolls 02/30 over into March; Apigee rejects it.
  const real =
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    minute < 60;
  return real ? ms : undefined;
}

/** A query parameter given once as a string; repeated parameters are refused. */
function single(
  query: Record<string, unknown>,
  name: string,
): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw invalid(`${name} must be given once`, name);
  }
  return value;
}

function count(
  query: Record<string, unknown>,
  name: string,
  minimum: number,
): number | undefined {
  const text = single(query, name);
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw invalid(`${name} must be an integer >= ${minimum}`, name);
  }
  return value;
}
