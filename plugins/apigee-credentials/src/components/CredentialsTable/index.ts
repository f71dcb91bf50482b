export { CredentialsTable } from './CredentialsTable';
