import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { KeyProvider } from './KeyProvider';

/**
 * Lets a backend module add key providers to the Apigee credentials plugin, for example
 * one for a company's own developer-portal API, without forking the plugin.
 *
 * @example
 * ```ts
 * export default createBackendModule({
 *   pluginId: 'apigee-credentials',
 *   moduleId: 'acme-portal',
 *   register(reg) {
 *     reg.registerInit({
 *       deps: { providers: apigeeCredentialsKeyProvidersExtensionPoint },
 *       async init({ providers }) {
 *         providers.addKeyProvider(new AcmePortalKeyProvider({ name: 'acme-portal' }));
 *       },
 *     });
 *   },
 * });
 * ```
 *
 * @public
 */
export interface ApigeeCredentialsKeyProvidersExtensionPoint {
  /**
   * Adds providers. A name already taken by another provider (including those configured
   * under `apigeeCredentials.providers`) is refused when the plugin starts.
   */
  addKeyProvider(...providers: KeyProvider[]): void;
}

/**
 * @public
 */
export const apigeeCredentialsKeyProvidersExtensionPoint =
  createExtensionPoint<ApigeeCredentialsKeyProvidersExtensionPoint>({
    id: 'apigee-credentials.keyProviders',
  });
