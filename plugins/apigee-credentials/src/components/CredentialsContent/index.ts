export { CredentialsContent } from './CredentialsContent';
