import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { apigeeCredentialsServiceRef } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import type { Config } from '@backstage/config';
import path from 'node:path';
import { createProvisionAction } from './actions/provision';
import {
  createPublishLocalAction,
  LOCAL_CATALOG_DIRECTORY_CONFIG_KEY,
} from './actions/publishLocal';
import { LocalCatalogDirectory } from './localCatalog/LocalCatalogDirectory';

/**
 * Adds `apigee:credentials:provision` and `apigee:catalog:publish-local` to the scaffolder.
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
        apigeeCredentials: apigeeCredentialsServiceRef,
        catalog: catalogServiceRef,
        config: coreServices.rootConfig,
      },
      async init({ scaffolderActions, apigeeCredentials, catalog, config }) {
        const configured = config.getOptionalString(
          LOCAL_CATALOG_DIRECTORY_CONFIG_KEY,
        );
        // Relative to the backend's working directory, like the catalog's own file locations.
        const directory = configured
          ? new LocalCatalogDirectory(path.resolve(configured))
          : undefined;
        scaffolderActions.addActions(
          createProvisionAction({ apigeeCredentials }),
          createPublishLocalAction({
            directory,
            catalog,
            configuredLocationTargets: fileLocationTargets(config),
          }),
        );
      },
    });
  },
});

/** The targets of `catalog.locations` entries of type `file`. */
function fileLocationTargets(config: Config): string[] {
  return (config.getOptionalConfigArray('catalog.locations') ?? [])
    .filter(location => location.getOptionalString('type') === 'file')
    .map(location => location.getString('target'));
}
