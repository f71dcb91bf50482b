import { Config } from '@backstage/config';

/**
 * Where the plugin looks for proof, outside the catalog, that a binding's targets belong to
 * the entity (config `apigeeCredentials.ownership`). The catalog is written by its users, so
 * an annotation naming an app and a secret proves nothing; these marks are set by whoever
 * controls the AWS account and the Apigee organisation.
 */
export interface OwnershipSettings {
  /** Tag key on the Secrets Manager secret. */
  secretTag: string;
  /** Custom attribute on the Apigee developer app. */
  appAttribute: string;
  /** Custom attribute on the Apigee developer: the team the developer belongs to. */
  developerAttribute: string;
}

export const DEFAULT_OWNERSHIP_SETTINGS: OwnershipSettings = {
  secretTag: 'apigee-credentials:owner',
  appAttribute: 'apigee-credentials-owner',
  developerAttribute: 'apigee-credentials-owner',
};

export function readOwnershipSettings(root: Config): OwnershipSettings {
  const config = root.getOptionalConfig('apigeeCredentials.ownership');
  return {
    secretTag:
      config?.getOptionalString('secretTag') ??
      DEFAULT_OWNERSHIP_SETTINGS.secretTag,
    appAttribute:
      config?.getOptionalString('appAttribute') ??
      DEFAULT_OWNERSHIP_SETTINGS.appAttribute,
    developerAttribute:
      config?.getOptionalString('developerAttribute') ??
      DEFAULT_OWNERSHIP_SETTINGS.developerAttribute,
  };
}
