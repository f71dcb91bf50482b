export type {
  ApigeeCredentialsService,
  ApigeeCredentialsServiceRequestOptions,
} from './ApigeeCredentialsService';
export { DefaultApigeeCredentialsService } from './DefaultApigeeCredentialsService';
export { apigeeCredentialsServiceRef } from './apigeeCredentialsServiceRef';
