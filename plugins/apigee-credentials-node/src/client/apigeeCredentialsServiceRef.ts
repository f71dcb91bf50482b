import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type { ApigeeCredentialsService } from './ApigeeCredentialsService';
import { DefaultApigeeCredentialsService } from './DefaultApigeeCredentialsService';

/**
 * The client of the Apigee credentials backend plugin, for other backend plugins and
 * modules (such as the scaffolder module). By default it calls the backend over HTTP;
 * tests and adopters can provide another factory.
 *
 * @public
 */
export const apigeeCredentialsServiceRef =
  createServiceRef<ApigeeCredentialsService>({
    id: 'apigee-credentials.client',
    scope: 'plugin',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          auth: coreServices.auth,
          discovery: coreServices.discovery,
        },
        factory({ auth, discovery }) {
          return DefaultApigeeCredentialsService.create({ auth, discovery });
        },
      }),
  });
