/**
 * Scaffolder actions that provision Apigee credentials into AWS Secrets Manager.
 *
 * @packageDocumentation
 */

export { scaffolderModuleApigeeCredentials as default } from './module';
