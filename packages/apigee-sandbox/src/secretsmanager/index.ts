export { SecretsManagerStore } from './store';
export type { SecretsManagerStoreOptions, SeedSecretInput } from './store';
export { createSecretsManagerRouter } from './router';
export { SecretsManagerError } from './errors';
export type { SecretsManagerErrorType } from './errors';
export type { SecretsManagerStoreJson } from './persistence';
export type {
  Caller,
  SandboxAccount,
  Secret,
  SecretVersion,
  Tag,
} from './types';
