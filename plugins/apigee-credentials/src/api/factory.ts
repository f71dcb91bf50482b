import { createApiFactory, coreApis } from '@backstage/frontend-plugin-api';
import { ApigeeCredentialsClient } from './ApigeeCredentialsClient';
import { apigeeCredentialsApiRef } from './ref';

/**
 * The one factory of the plugin's API, installed by both the legacy plugin
 * (`createPlugin({ apis })`) and the new frontend system (`ApiBlueprint`).
 */
export const apigeeCredentialsApiFactory = createApiFactory({
  api: apigeeCredentialsApiRef,
  deps: { discoveryApi: coreApis.discovery, fetchApi: coreApis.fetch },
  factory: ({ discoveryApi, fetchApi }) =>
    new ApigeeCredentialsClient({ discoveryApi, fetchApi }),
});
