import { createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';

/**
 * Scaffolder module that will provide the `apigee:credentials:provision` action.
 * The action itself arrives with the provisioning feature; the module is wired now so that
 * installing the package already has its final shape.
 *
 * @public
 */
export const scaffolderModuleApigeeCredentials = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'apigee-credentials',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
      },
      async init({ scaffolderActions }) {
        scaffolderActions.addActions();
      },
    });
  },
});
