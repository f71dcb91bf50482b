export type {
  ApigeeCredentialsApi,
  FleetFilter,
  PageOptions,
  RotateOptions,
} from './ApigeeCredentialsApi';
export { ApigeeCredentialsClient } from './ApigeeCredentialsClient';
export { apigeeCredentialsApiRef } from './ref';
export { apigeeCredentialsApiFactory } from './factory';
