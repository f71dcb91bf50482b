import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  apigeeCredentialsAdminPermission,
  apigeeCredentialsProvisionPermission,
  apigeeCredentialsRotatePermission,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/**
 * The portal's permission policy.
 *
 * - Rotating an Apigee credential is allowed to the owners of the catalog entity it is bound
 *   to, and to members of the configured admin groups for any entity.
 * - Provisioning a new consumer's credential (the scaffolder template) is allowed to every
 *   signed-in user: it creates a new app, key and secret, never touches existing ones that
 *   hold a key, and the template makes the user's team the owner. Narrow it to a group here
 *   if your platform team reviews new consumers.
 * - Administering the plugin (approving a binding whose targets carry no ownership marks,
 *   provisioning for another team or with manual-approval products) is for the admin groups.
 * - Everything else is allowed: this demo portal has no other restricted resources yet.
 */
export class PortalPermissionPolicy implements PermissionPolicy {
  readonly #adminRefs: ReadonlySet<string>;

  constructor(options: { adminEntityRefs: string[] }) {
    this.#adminRefs = new Set(
      options.adminEntityRefs.map(ref => ref.toLocaleLowerCase('en-US')),
    );
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const claims = user?.info.ownershipEntityRefs ?? [];
    const isAdmin = claims.some(ref =>
      this.#adminRefs.has(ref.toLocaleLowerCase('en-US')),
    );
    if (isPermission(request.permission, apigeeCredentialsAdminPermission)) {
      return {
        result: isAdmin ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
      };
    }
    if (isPermission(request.permission, apigeeCredentialsRotatePermission)) {
      if (isAdmin) return { result: AuthorizeResult.ALLOW };
      if (claims.length === 0) {
        return { result: AuthorizeResult.DENY };
      }
      return createCatalogConditionalDecision(
        request.permission,
        catalogConditions.isEntityOwner({ claims }),
      );
    }
    if (
      isPermission(request.permission, apigeeCredentialsProvisionPermission)
    ) {
      return {
        result: user?.info.ownershipEntityRefs.length
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}
