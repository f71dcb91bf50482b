import { isResourcePermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import {
  apigeeCredentialsPermissions,
  apigeeCredentialsRotatePermission,
} from './permissions';

describe('permissions', () => {
  it('are resource permissions on catalog entities, so ownership rules apply', () => {
    for (const permission of apigeeCredentialsPermissions) {
      expect(
        isResourcePermission(permission, RESOURCE_TYPE_CATALOG_ENTITY),
      ).toBe(true);
    }
  });

  it('marks rotation as an update, which read-only policies deny', () => {
    expect(apigeeCredentialsRotatePermission.attributes.action).toBe('update');
    expect(new Set(apigeeCredentialsPermissions.map(p => p.name)).size).toBe(2);
  });
});
