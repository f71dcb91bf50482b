import { isResourcePermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import {
  apigeeCredentialsAdminPermission,
  apigeeCredentialsPermissions,
  apigeeCredentialsProvisionPermission,
  apigeeCredentialsReadPermission,
  apigeeCredentialsRotatePermission,
} from './permissions';

describe('permissions', () => {
  it('are resource permissions on catalog entities, so ownership rules apply', () => {
    for (const permission of [
      apigeeCredentialsReadPermission,
      apigeeCredentialsRotatePermission,
    ]) {
      expect(
        isResourcePermission(permission, RESOURCE_TYPE_CATALOG_ENTITY),
      ).toBe(true);
    }
  });

  it('marks rotation as an update, which read-only policies deny', () => {
    expect(apigeeCredentialsRotatePermission.attributes.action).toBe('update');
    expect(new Set(apigeeCredentialsPermissions.map(p => p.name)).size).toBe(4);
  });

  it('makes provisioning a basic create permission: its component does not exist yet', () => {
    expect(apigeeCredentialsProvisionPermission.type).toBe('basic');
    expect(apigeeCredentialsProvisionPermission.attributes.action).toBe(
      'create',
    );
    expect(apigeeCredentialsPermissions).toContain(
      apigeeCredentialsProvisionPermission,
    );
  });

  it('makes administration a basic permission: a platform role, not a property of one entity', () => {
    expect(apigeeCredentialsAdminPermission.type).toBe('basic');
    expect(apigeeCredentialsAdminPermission.name).toBe(
      'apigee-credentials.admin',
    );
  });
});
