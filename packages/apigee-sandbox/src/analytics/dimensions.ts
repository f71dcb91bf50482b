import { ApiProxy, Organization } from '../apigee/types';

/** Environment of a proxy that names none (seeds default to it; older persisted state lacks it). */
export const DEFAULT_ENVIRONMENT = 'prod';

export function proxyEnvironment(proxy: ApiProxy): string {
  return proxy.environment ?? DEFAULT_ENVIRONMENT;
}

/** An organisation's environments: the ones its proxies are deployed to. */
export function organizationEnvironments(org: Organization): Set<string> {
  return new Set(org.proxies.map(proxyEnvironment));
}

/** What a recorded call can be grouped and filtered by (its dimensions). */
export interface TrafficDimensions {
  org: string;
  environment: string;
  proxy: string;
  consumerKey: string;
  clientIp: string;
  app: string;
  apiProduct: string;
}

/** The stats dimensions the sandbox knows, by Apigee's names. */
const DIMENSIONS = {
  apiproxy: d => d.proxy,
  client_id: d => d.consumerKey,
  client_ip: d => d.clientIp,
  developer_app: d => d.app,
  api_product: d => d.apiProduct,
} satisfies Record<string, (d: TrafficDimensions) => string>;

export type StatsDimension = keyof typeof DIMENSIONS;

export const STATS_DIMENSIONS = Object.keys(DIMENSIONS) as StatsDimension[];

export function isStatsDimension(name: string): name is StatsDimension {
  return Object.prototype.hasOwnProperty.call(DIMENSIONS, name);
}

export function dimensionValue(
  dimension: StatsDimension,
  call: TrafficDimensions,
): string {
  return DIMENSIONS[dimension](call);
}
