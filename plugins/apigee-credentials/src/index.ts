/**
 * Entity tab, entity card and fleet page for Apigee credentials rotated into AWS Secrets
 * Manager. This entry point serves legacy apps; the new frontend system uses `/alpha`.
 *
 * @packageDocumentation
 */
export {
  apigeeCredentialsPlugin,
  EntityApigeeCredentialsContent,
  EntityApigeeCredentialsCard,
  ApigeeCredentialsFleetPage,
} from './plugin';
export { apigeeCredentialsApiRef, ApigeeCredentialsClient } from './api';
export type {
  ApigeeCredentialsApi,
  FleetFilter,
  PageOptions,
  RotateOptions,
} from './api';
export { isApigeeCredentialsAvailable } from '@keyrotation/backstage-plugin-apigee-credentials-common';
