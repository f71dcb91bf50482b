import { apigeeErrors } from '../apigee/errors';
import { Organization } from '../apigee/types';
import { organizationEnvironments } from './dimensions';
import { parseStatsQuery } from './statsQuery';
import { StatsResponse, statsReport } from './statsReport';
import { TrafficLog } from './TrafficLog';

/** Where the stats API reads from: the gateway's log, seen through the analytics delay. */
export interface StatsSource {
  traffic: TrafficLog;
  /** Read on every request, so `PUT /_sandbox/config` applies at once. */
  delayMs: () => number;
  now: () => Date;
}

/**
 * `GET …/environments/{env}/stats/{dimensions}` for one organisation, after auth. Throws
 * ApigeeErrors (404 unknown environment, 400 bad query) for the dialect to render.
 */
export function answerStats(
  source: StatsSource,
  org: Organization,
  environment: string,
  dimensions: string,
  query: Record<string, unknown>,
): StatsResponse {
  if (!organizationEnvironments(org).has(environment)) {
    throw apigeeErrors.environmentNotFound(environment, org.name);
  }
  const parsed = parseStatsQuery(dimensions, query);
  source.traffic.settle(source.now().getTime(), source.delayMs());
  return statsReport(environment, source.traffic.buckets(org.name), parsed);
}
