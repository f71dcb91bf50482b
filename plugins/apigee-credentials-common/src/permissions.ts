import { createPermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';

/**
 * Read the credential status and rotation history of a catalog entity.
 * Evaluated against the entity, so catalog rules (for example "is entity owner") apply.
 *
 * @public
 */
export const apigeeCredentialsReadPermission = createPermission({
  name: 'apigee-credentials.credential.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Start a rotation of a credential bound to a catalog entity.
 *
 * @public
 */
export const apigeeCredentialsRotatePermission = createPermission({
  name: 'apigee-credentials.credential.rotate',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Provision the Apigee key and Secrets Manager secret of a new consumer (the scaffolder
 * action). A basic permission: the component the credential is for does not exist yet.
 *
 * @public
 */
export const apigeeCredentialsProvisionPermission = createPermission({
  name: 'apigee-credentials.credential.provision',
  attributes: { action: 'create' },
});

/**
 * Administer the plugin: approve a binding whose targets carry no ownership marks, provision
 * for any owner group and with manual-approval API products. A basic permission: a platform
 * team's role, not a property of one entity.
 *
 * @public
 */
export const apigeeCredentialsAdminPermission = createPermission({
  name: 'apigee-credentials.admin',
  attributes: { action: 'update' },
});

/**
 * Every permission of the plugin, for registration with the permissions registry.
 *
 * @public
 */
export const apigeeCredentialsPermissions = [
  apigeeCredentialsReadPermission,
  apigeeCredentialsRotatePermission,
  apigeeCredentialsProvisionPermission,
  apigeeCredentialsAdminPermission,
];
