import {
  AuditorService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  apigeeCredentialsRotatePermission,
  CredentialSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { Request } from 'express';
import { CatalogBindingStore } from './bindings/CatalogBindingStore';
import { bindingIdOf } from './bindings/toEngineBinding';
import { CredentialsReadModel } from './CredentialsReadModel';
import { RotationCooldownError, RotationQuotaError } from './errors';
import { StatusSettings, summarise } from './status';

const HOUR_MS = 3600_000;

/** Starts a manual rotation; resolves with its id once it is recorded. */
export type StartRotation = (
  bindingId: string,
  actor: string,
) => Promise<{ id: string }>;

export interface CredentialsServiceOptions {
  permissions: PermissionsService;
  auditor: AuditorService;
  bindings: CatalogBindingStore;
  readModel: CredentialsReadModel;
  startRotation: StartRotation;
  statusSettings: StatusSettings;
  /** Minimum time between two manual rotations of one binding. */
  manualCooldownMs: number;
  /** Per-user limit of manual rotations in any hour, counted from the rotations table. */
  manualRotationQuota?: {
    perHour: number;
    /** Start times of the user's newest manual rotations since `since`, newest first. */
    startsBy(actor: string, since: Date, limit: number): Promise<Date[]>;
  };
  now?: () => Date;
}

/**
 * What users may ask of the plugin, with the permission checks, the cooldown and the audit
 * trail in one place: the REST API and the actions registry both go through it.
 */
export class CredentialsService {
  readonly #options: CredentialsServiceOptions;
  readonly #now: () => Date;
  /** One quota check and start at a time per user on this replica, so bursts cannot slip past. */
  readonly #perActor = new Map<string, Promise<unknown>>();

  constructor(options: CredentialsServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Throws NotAllowedError unless the caller holds the permission on the entity. */
  async authorize(
    credentials: BackstageCredentials,
    permission: ResourcePermission,
    entityRef: string,
  ): Promise<void> {
    const [decision] = await this.#options.permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not ${
          permission.attributes.action === 'update' ? 'rotate' : 'read'
        } credentials of ${entityRef}`,
      );
    }
  }

  /** Status of every binding of an entity, from stored state only. */
  async summariesOf(entityRef: string): Promise<CredentialSummary[]> {
    const { bindings, readModel, statusSettings } = this.#options;
    const rows = await bindings.listForEntity(entityRef);
    const at = this.#now();
    return Promise.all(
      rows.map(async row =>
        summarise(
          row,
          row.error ? undefined : await readModel.status(row.id),
          statusSettings,
          at,
        ),
      ),
    );
  }

  /**
   * Starts a manual rotation for a user: checks the rotate permission, that the binding
   * exists and is valid, and the cooldown, then records an audit event either way.
   */
  async requestRotation(options: {
    entityRef: string;
    environment: string;
    credentials: BackstageCredentials<{ type: 'user'; userEntityRef: string }>;
    request?: Request<any, any, any, any, any>;
  }): Promise<{ id: string }> {
    const { entityRef, environment, credentials } = options;
    const { bindings, readModel, manualCooldownMs } = this.#options;
    const auditorEvent = await this.#options.auditor.createEvent({
      eventId: 'credential-rotate',
      severityLevel: 'medium',
      request: options.request,
      meta: { entityRef, binding: environment },
    });
    try {
      await this.authorize(
        credentials,
        apigeeCredentialsRotatePermission,
        entityRef,
      );
      const bindingId = bindingIdOf(entityRef, environment);
      const row = await bindings.get(bindingId);
      if (!row) {
        throw new NotFoundError(
          `${entityRef} has no credential binding ${environment}`,
        );
      }
      if (row.error) {
        throw new InputError(`The binding is misconfigured: ${row.error}`);
      }
      const [last] = await readModel.listRotations(bindingId, 1);
      if (last?.trigger === 'manual' && last.phase === 'completed') {
        const elapsed = this.#now().getTime() - last.startedAt.getTime();
        if (elapsed < manualCooldownMs) {
          const retryAfter = Math.ceil((manualCooldownMs - elapsed) / 1000);
          throw new RotationCooldownError(
            `The credential was rotated ${Math.floor(
              elapsed / 1000,
            )} s ago; try again in ${retryAfter} s`,
            retryAfter,
          );
        }
      }
      const actor = credentials.principal.userEntityRef;
      const started = await this.#oneAtATime(actor, async () => {
        await this.#checkQuota(actor);
        return this.#options.startRotation(bindingId, actor);
      });
      await auditorEvent.success({ meta: { rotationId: started.id } });
      return started;
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      throw error;
    }
  }

  /**
   * Refuses a manual rotation when the user already started the hourly quota's worth in the
   * last hour (any binding, any replica: the rotations table is the count).
   */
  async #checkQuota(actor: string): Promise<void> {
    const quota = this.#options.manualRotationQuota;
    if (!quota) return;
    const now = this.#now().getTime();
    const starts = await quota.startsBy(
      actor,
      new Date(now - HOUR_MS),
      quota.perHour,
    );
    if (starts.length < quota.perHour) return;
    // A slot frees up once the oldest of the last `perHour` starts is an hour old.
    const oldest = starts[quota.perHour - 1].getTime();
    const retryAfter = Math.max(1, Math.ceil((oldest + HOUR_MS - now) / 1000));
    throw new RotationQuotaError(
      `You started ${quota.perHour} manual rotations in the last hour, the most allowed (apigeeCredentials.quotas.manualRotationsPerUserPerHour); try again in ${retryAfter} s`,
      retryAfter,
    );
  }

  async #oneAtATime<T>(actor: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#perActor.get(actor) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.#perActor.set(actor, settled);
    try {
      return await run;
    } finally {
      if (this.#perActor.get(actor) === settled) this.#perActor.delete(actor);
    }
  }
}
