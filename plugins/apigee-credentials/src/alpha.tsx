import {
  ApiBlueprint,
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { isApigeeCredentialsAvailable } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import { apigeeCredentialsApiFactory } from './api/factory';
import { fleetRouteRef } from './routes';

/** The same API factory as the legacy plugin's. */
const apigeeCredentialsApi = ApiBlueprint.make({
  params: defineParams => defineParams(apigeeCredentialsApiFactory),
});

/** The "Apigee credentials" tab on entities that carry a binding annotation. */
const apigeeCredentialsEntityContent = EntityContentBlueprint.make({
  params: {
    path: '/apigee-credentials',
    title: 'Apigee credentials',
    filter: isApigeeCredentialsAvailable,
    loader: () =>
      import('./components/CredentialsContent').then(m => (
        <m.CredentialsContent />
      )),
  },
});

/** The overview card: worst status, oldest key, link to the tab. */
const apigeeCredentialsEntityCard = EntityCardBlueprint.make({
  name: 'summary',
  params: {
    type: 'info',
    filter: isApigeeCredentialsAvailable,
    loader: () =>
      import('./components/SummaryCard').then(m => <m.SummaryCard />),
  },
});

/** The fleet overview; its title and icon also make its sidebar item. */
const apigeeCredentialsFleetPage = PageBlueprint.make({
  params: {
    path: '/apigee-credentials',
    title: 'Apigee credentials',
    icon: <VpnKeyIcon />,
    routeRef: fleetRouteRef,
    loader: () =>
      import('./components/FleetPage').then(m => <m.FleetPageContent />),
  },
});

/**
 * The Apigee credentials plugin for the new frontend system: API, entity tab, entity
 * card and fleet page.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'apigee-credentials',
  title: 'Apigee credentials',
  icon: <VpnKeyIcon />,
  info: { packageJson: () => import('../package.json') },
  routes: { root: fleetRouteRef },
  extensions: [
    apigeeCredentialsApi,
    apigeeCredentialsEntityContent,
    apigeeCredentialsEntityCard,
    apigeeCredentialsFleetPage,
  ],
});
