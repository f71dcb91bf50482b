import { createApiRef } from '@backstage/core-plugin-api';
import type { ApigeeCredentialsApi } from './ApigeeCredentialsApi';

/**
 * The Utility API through which every component of the plugin talks to the backend.
 *
 * @public
 */
export const apigeeCredentialsApiRef = createApiRef<ApigeeCredentialsApi>({
  id: 'plugin.apigee-credentials.service',
});
