import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  apigeeCredentialsAdminPermission,
  apigeeCredentialsProvisionPermission,
  apigeeCredentialsRotatePermission,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { PortalPermissionPolicy } from './PortalPermissionPolicy';

const userWith = (ownershipEntityRefs: string[]): PolicyQueryUser =>
  ({
    identity: {
      type: 'user',
      userEntityRef: ownershipEntityRefs[0],
      ownershipEntityRefs,
    },
    info: { userEntityRef: ownershipEntityRefs[0], ownershipEntityRefs },
    credentials: {} as any,
    token: 'token',
  } as unknown as PolicyQueryUser);

describe('PortalPermissionPolicy', () => {
  const policy = new PortalPermissionPolicy({
    adminEntityRefs: ['group:default/platform-admins'],
  });

  it('lets owners rotate only the entities they own (conditional on ownership)', async () => {
    const decision = await policy.handle(
      { permission: apigeeCredentialsRotatePermission },
      userWith(['user:default/ada', 'group:default/team-orders']),
    );
    expect(decision).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        resourceType: 'catalog-entity',
        params: {
          claims: ['user:default/ada', 'group:default/team-orders'],
        },
      },
    });
  });

  it('lets admin group members rotate any entity', async () => {
    const decision = await policy.handle(
      { permission: apigeeCredentialsRotatePermission },
      userWith(['user:default/root', 'group:default/Platform-Admins']),
    );
    expect(decision).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('denies rotation to callers without any identity claims', async () => {
    const decision = await policy.handle({
      permission: apigeeCredentialsRotatePermission,
    });
    expect(decision).toEqual({ result: AuthorizeResult.DENY });
  });

  it('lets signed-in users provision new consumers, and nobody else', async () => {
    expect(
      await policy.handle(
        { permission: apigeeCredentialsProvisionPermission },
        userWith(['user:default/ada', 'group:default/team-orders']),
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policy.handle({ permission: apigeeCredentialsProvisionPermission }),
    ).toEqual({ result: AuthorizeResult.DENY });
  });

  it.each([
    [
      ['user:default/root', 'group:default/platform-admins'],
      AuthorizeResult.ALLOW,
    ],
    [['user:default/ada', 'group:default/team-orders'], AuthorizeResult.DENY],
    [[], AuthorizeResult.DENY],
  ])(
    'gives the admin permission to admin group members only (%j)',
    async (claims, result) => {
      const decision = await policy.handle(
        { permission: apigeeCredentialsAdminPermission },
        userWith(claims),
      );
      expect(decision).toEqual({ result });
    },
  );

  it('allows other permissions', async () => {
    const decision = await policy.handle(
      { permission: catalogEntityReadPermission },
      userWith(['user:default/ada']),
    );
    expect(decision).toEqual({ result: AuthorizeResult.ALLOW });
  });
});
