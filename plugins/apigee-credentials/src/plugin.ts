import {
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { apigeeCredentialsApiFactory } from './api/factory';
import { fleetRouteRef } from './routes';

/**
 * The Apigee credentials plugin for legacy (`@backstage/app-defaults`) apps. Apps on the
 * new frontend system install the default export of `/alpha` instead.
 *
 * @public
 */
export const apigeeCredentialsPlugin = createPlugin({
  id: 'apigee-credentials',
  apis: [apigeeCredentialsApiFactory],
  routes: {
    root: fleetRouteRef,
  },
});

/**
 * The "Apigee credentials" entity tab. Mount it in the entity page under an
 * `EntityLayout.Route` at `/apigee-credentials` whose `if` is `isApigeeCredentialsAvailable`.
 *
 * @public
 */
export const EntityApigeeCredentialsContent: () => JSX.Element =
  apigeeCredentialsPlugin.provide(
    createComponentExtension({
      name: 'EntityApigeeCredentialsContent',
      component: {
        lazy: () =>
          import('./components/CredentialsContent').then(
            m => m.CredentialsContent,
          ),
      },
    }),
  );

/**
 * The entity overview card: worst status, oldest key and a link to the tab.
 *
 * @public
 */
export const EntityApigeeCredentialsCard: () => JSX.Element =
  apigeeCredentialsPlugin.provide(
    createComponentExtension({
      name: 'EntityApigeeCredentialsCard',
      component: {
        lazy: () => import('./components/SummaryCard').then(m => m.SummaryCard),
      },
    }),
  );

/**
 * The fleet overview page for platform teams.
 *
 * @public
 */
export const ApigeeCredentialsFleetPage: () => JSX.Element =
  apigeeCredentialsPlugin.provide(
    createRoutableExtension({
      name: 'ApigeeCredentialsFleetPage',
      component: () =>
        import('./components/FleetPage').then(m => m.LegacyFleetPage),
      mountPoint: fleetRouteRef,
    }),
  );
