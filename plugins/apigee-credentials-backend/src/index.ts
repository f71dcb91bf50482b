export { apigeeCredentialsPlugin as default } from './plugin';
