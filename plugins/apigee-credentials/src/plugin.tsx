import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isApigeeCredentialsAvailable } from '@keyrotation/backstage-plugin-apigee-credentials-common';

/** The "Apigee credentials" tab on catalog entities that carry a binding annotation. */
export const apigeeCredentialsEntityContent = EntityContentBlueprint.make({
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

/**
 * The Apigee credentials frontend plugin for the new frontend system.
 *
 * @public
 */
export const apigeeCredentialsPlugin = createFrontendPlugin({
  pluginId: 'apigee-credentials',
  info: { packageJson: () => import('../package.json') },
  extensions: [apigeeCredentialsEntityContent],
});
