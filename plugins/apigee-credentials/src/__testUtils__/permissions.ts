import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { apigeeCredentialsAdminPermission } from '@keyrotation/backstage-plugin-apigee-credentials-common';

/**
 * A permission answer for the mock permission API: the admin permission as `adminAllowed`
 * (default denied), everything else as `rotateAllowed` (default allowed).
 *
 * `usePermission` caches a basic permission's answer for the whole test file (SWR), so a
 * file keeps one admin answer for all its tests.
 */
export function authorizeFor(options: {
  rotateAllowed?: boolean;
  adminAllowed?: boolean;
}) {
  return (request: { permission: { name: string } }) => {
    const allowed =
      request.permission.name === apigeeCredentialsAdminPermission.name
        ? options.adminAllowed === true
        : options.rotateAllowed !== false;
    return allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY;
  };
}
