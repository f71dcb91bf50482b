import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { apigeeCredentialsReadPermission } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { CredentialsService } from './CredentialsService';

function normaliseEntityRef(ref: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(ref, {
        defaultKind: 'component',
        defaultNamespace: 'default',
      }),
    ).toLocaleLowerCase('en-US');
  } catch (error) {
    throw new InputError(
      `Invalid entity ref "${ref}": ${(error as Error).message}`,
    );
  }
}

/**
 * Registers the plugin's actions with the actions registry (used by MCP clients and other
 * automation). Both go through the same permission checks as the REST API; neither returns
 * key material.
 */
export function registerCredentialActions(
  actionsRegistry: ActionsRegistryService,
  service: CredentialsService,
): void {
  actionsRegistry.register({
    name: 'get-credential-status',
    title: 'Get Apigee credential status',
    description: `Returns the Apigee API credentials bound to a catalog entity (one per environment) with their health:
status (ok, due-soon, overdue, rotating, failed, drift, misconfigured or unverified), the reason for anything but ok, the key's
fingerprint, its age and maximum age in days, and when it will next be rotated. Secret values are never returned.`,
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe(
              'Catalog entity ref, e.g. component:default/orders-service',
            ),
        }),
      output: z =>
        z.object({
          credentials: z.array(
            z.object({
              environment: z.string(),
              status: z.string(),
              statusReason: z.string().optional(),
              keyFingerprint: z.string().optional(),
              ageDays: z.number().optional(),
              maxAgeDays: z.number().optional(),
              nextRotationAt: z.string().optional(),
            }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = normaliseEntityRef(input.entityRef);
      await service.authorize(
        credentials,
        apigeeCredentialsReadPermission,
        entityRef,
      );
      const items = await service.summariesOf(entityRef);
      return {
        output: {
          credentials: items.map(item => ({
            environment: item.environment,
            status: item.status,
            statusReason: item.statusReason,
            keyFingerprint: item.keyFingerprint,
            ageDays: item.ageDays,
            maxAgeDays: item.maxAgeDays,
            nextRotationAt: item.nextRotationAt,
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'rotate-credential',
    title: 'Rotate an Apigee credential',
    description: `Starts a rotation of the Apigee API credential bound to a catalog entity for one environment: a new
key is created in the Apigee app, verified, and stored as the current value of the AWS Secrets Manager secret; the old
key stays valid for its grace period. Requires the rotate permission on the entity, and is refused during the cooldown
after a previous manual rotation. Returns the rotation id; secret values are never returned.`,
    attributes: { readOnly: false, idempotent: false, destructive: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe(
              'Catalog entity ref, e.g. component:default/orders-service',
            ),
          environment: z
            .string()
            .describe('The environment of the binding, e.g. prod'),
        }),
      output: z => z.object({ rotationId: z.string() }),
    },
    action: async ({ input, credentials }) => {
      const principal = credentials.principal as { type?: string };
      if (principal.type !== 'user') {
        throw new NotAllowedError('Only users may rotate credentials');
      }
      const { id } = await service.requestRotation({
        entityRef: normaliseEntityRef(input.entityRef),
        environment: input.environment,
        credentials: credentials as any,
      });
      return { output: { rotationId: id } };
    },
  });

  actionsRegistry.register({
    name: 'check-credential',
    title: 'Check an Apigee credential now',
    description: `Checks the Apigee API credential bound to a catalog entity for one environment now, instead of at its
next scheduled check: whether its secret and app are proven to belong to the entity, whether the key in AWS Secrets
Manager is usable in Apigee, and its age. For an owner who just repaired drift or set the ownership marks. Requires the
rotate permission on the entity. Returns the credential's status; secret values are never returned.`,
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe(
              'Catalog entity ref, e.g. component:default/orders-service',
            ),
          environment: z
            .string()
            .describe('The environment of the binding, e.g. prod'),
        }),
      output: z =>
        z.object({
          status: z.string(),
          statusReason: z.string().optional(),
          checkedAt: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const summary = await service.checkNow({
        entityRef: normaliseEntityRef(input.entityRef),
        environment: input.environment,
        credentials,
      });
      return {
        output: {
          status: summary.status,
          statusReason: summary.statusReason,
          checkedAt: summary.checkedAt,
        },
      };
    },
  });
}
