import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { KeyProvider } from './KeyProvider';

/**
 * Lets a backend module add key providers to the Apigee credentials plugin, for example
 * one for a company's own developer-portal API, without forking the plugin.
 *
 * @public
 */
export interface ApigeeCredentialsKeyProvidersExtensionPoint {
  /** Adds providers; a name already taken by another provider is refused at start-up. */
  addKeyProvider(...providers: KeyProvider[]): void;
}

/**
 * @public
 */
export const apigeeCredentialsKeyProvidersExtensionPoint =
  createExtensionPoint<ApigeeCredentialsKeyProvidersExtensionPoint>({
    id: 'apigee-credentials.keyProviders',
  });
