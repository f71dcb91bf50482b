import { createRouteRef } from '@backstage/core-plugin-api';

/** The fleet overview page. */
export const fleetRouteRef = createRouteRef({ id: 'apigee-credentials' });
