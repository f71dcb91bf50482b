import {
  AuditorService,
  BackstageCredentials,
  BackstageUserPrincipal,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  apigeeCredentialsAdminPermission,
  apigeeCredentialsProvisionPermission,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { Request } from 'express';
import { ProvisionOutcome, Provisioner } from './Provisioner';
import { ProvisionCaller } from './provisionPlan';
import {
  ValidProvisionRequest,
  validateProvisionRequest,
} from './provisionRequest';
import { ProvisioningSettings } from './provisioningSettings';

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
      userInfo: UserInfoService;
      settings: ProvisioningSettings;
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
      const caller = await this.#caller(credentials);
      if (!caller.admin) {
        await this.#checkOwner(request, credentials);
        this.#checkProducts(request);
      }
      const outcome = request.dryRun
        ? {
            result: await this.options.provisioner.dryRun(request, caller),
            repeated: false,
          }
        : await this.options.provisioner.provision(request, caller);
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

  async #caller(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
  ): Promise<ProvisionCaller> {
    const [decision] = await this.options.permissions.authorize(
      [{ permission: apigeeCredentialsAdminPermission }],
      { credentials },
    );
    return {
      actor: credentials.principal.userEntityRef,
      admin: decision.result === AuthorizeResult.ALLOW,
    };
  }

  /** A user provisions for a group they belong to; the owner decides every later check. */
  async #checkOwner(
    request: ValidProvisionRequest,
    credentials: BackstageCredentials<BackstageUserPrincipal>,
  ): Promise<void> {
    const { ownershipEntityRefs } = await this.options.userInfo.getUserInfo(
      credentials,
    );
    const owner = request.owner.toLocaleLowerCase('en-US');
    const isGroup = parseEntityRef(owner).kind === 'group';
    const member = ownershipEntityRefs.some(
      ref => ref.toLocaleLowerCase('en-US') === owner,
    );
    if (!isGroup || !member) {
      throw new NotAllowedError(
        `You may provision only for a group you belong to, and ${request.owner} is not one of yours; name your team as owner, or ask an apigee-credentials admin`,
      );
    }
  }

  /** Only allow-listed products, per provider (config `apigeeCredentials.provisioning`). */
  #checkProducts(request: ValidProvisionRequest): void {
    const allowed = this.options.settings.allowedApiProducts.get(
      request.provider,
    );
    if (!allowed || allowed.size === 0) {
      throw new NotAllowedError(
        `No API product may be provisioned through ${request.provider}: apigeeCredentials.provisioning.allowedApiProducts.${request.provider} is not configured; ask an apigee-credentials admin`,
      );
    }
    const refused = request.apiProducts.filter(p => !allowed.has(p));
    if (refused.length > 0) {
      throw new NotAllowedError(
        `API product ${refused.join(', ')} may not be provisioned through ${
          request.provider
        }; allowed: ${[...allowed].join(
          ', ',
        )}. Ask an apigee-credentials admin for others`,
      );
    }
  }
}
