import {
  AuditorService,
  BackstageCredentials,
  BackstageUserPrincipal,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { apigeeCredentialsProvisionPermission } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { Request } from 'express';
import { ProvisionOutcome, Provisioner } from './Provisioner';
import { validateProvisionRequest } from './provisionRequest';

/**
 * Provisioning as users may ask for it: input validation, the provision permission and an
 * audit event for every request (dry runs included), around the {@link Provisioner}.
 */
export class ProvisioningService {
  constructor(
    private readonly options: {
      provisioner: Provisioner;
      permissions: PermissionsService;
      auditor: AuditorService;
    },
  ) {}

  async provision(options: {
    body: unknown;
    credentials: BackstageCredentials<BackstageUserPrincipal>;
    request?: Request<any, any, any, any, any>;
  }): Promise<ProvisionOutcome> {
    const { body, credentials } = options;
    const input = (body ?? {}) as Record<string, unknown>;
    const auditorEvent = await this.options.auditor.createEvent({
      eventId: 'credential-provision',
      severityLevel: input.dryRun === true ? 'low' : 'medium',
      request: options.request,
      // Identifiers only; the request carries no key material.
      meta: {
        requestId: String(input.requestId ?? ''),
        provider: String(input.provider ?? ''),
        app: String(input.app ?? ''),
        environment: String(input.environment ?? ''),
        dryRun: input.dryRun === true,
      },
    });
    try {
      const [decision] = await this.options.permissions.authorize(
        [{ permission: apigeeCredentialsProvisionPermission }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError('You may not provision Apigee credentials');
      }
      const request = validateProvisionRequest(body);
      const outcome = request.dryRun
        ? {
            result: await this.options.provisioner.dryRun(request),
            repeated: false,
          }
        : await this.options.provisioner.provision(
            request,
            credentials.principal.userEntityRef,
          );
      await auditorEvent.success({
        meta: {
          owner: request.owner,
          secretArn: outcome.result.secretArn,
          keyFingerprint: outcome.result.keyFingerprint,
          created: outcome.result.created,
          repeated: outcome.repeated,
        },
      });
      return outcome;
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      throw error;
    }
  }
}
