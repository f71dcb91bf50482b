import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { PortalPermissionPolicy } from './PortalPermissionPolicy';

/**
 * Installs {@link PortalPermissionPolicy}. Admins come from
 * `portal.permissions.adminEntityRefs` (users or groups that may rotate any credential).
 */
export const permissionModulePortalPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'portal-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        policy: policyExtensionPoint,
      },
      async init({ config, policy }) {
        policy.setPolicy(
          new PortalPermissionPolicy({
            adminEntityRefs:
              config.getOptionalStringArray(
                'portal.permissions.adminEntityRefs',
              ) ?? [],
          }),
        );
      },
    });
  },
});
