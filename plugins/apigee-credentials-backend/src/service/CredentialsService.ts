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
  apigeeCredentialsAdminPermission,
  apigeeCredentialsRotatePermission,
  CredentialSummary,
  KeyTrafficSummary,
  OldKeySummary,
  RotationPause,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { Request } from 'express';
import { CatalogBindingStore } from '../database/CatalogBindingStore';
import { bindingIdOf } from './bindings/toEngineBinding';
import { CredentialsReadModel } from './CredentialsReadModel';
import { RotationCooldownError, RotationQuotaError } from './errors';
import {
  StatusSettings,
  summarise,
  summariseAll,
  toOldKeySummary,
  toTrafficSummary,
} from './status';
import { KeyDeletionRecord, KeyTrafficRecord } from '../engine/types';

const HOUR_MS = 3600_000;

/** Starts a manual rotation; resolves with its id once it is recorded. */
export type StartRotation = (
  bindingId: string,
  actor: string,
  options?: { revokeOldKey?: boolean },
) => Promise<{ id: string }>;

/** An owner's actions on a credential's old keys and its schedule (the engine's). */
export interface OldKeyEngineActions {
  traffic(bindingId: string, keyFingerprint: string): Promise<KeyTrafficRecord>;
  revokeNow(
    bindingId: string,
    keyFingerprint: string,
    actor: string,
  ): Promise<KeyDeletionRecord>;
  restore(
    bindingId: string,
    keyFingerprint: string,
    actor: string,
  ): Promise<KeyDeletionRecord>;
  pause(
    bindingId: string,
    actor: string,
    reason: string,
  ): Promise<{ by: string; at: Date; reason: string }>;
  resume(bindingId: string, actor: string): Promise<void>;
}

/** What the service asks of the engine besides reads. */
export interface CredentialsEngineActions {
  startRotation: StartRotation;
  /** Checks the binding live now (ownership, drift, age), as the scheduled pass would. */
  checkNow(bindingId: string): Promise<void>;
  /** Records an admin's approval of the binding's current targets. */
  approve(bindingId: string, approver: string): Promise<void>;
  oldKeys: OldKeyEngineActions;
}

export interface CredentialsServiceOptions extends CredentialsEngineActions {
  permissions: PermissionsService;
  auditor: AuditorService;
  bindings: CatalogBindingStore;
  readModel: CredentialsReadModel;
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

/** Who asks what of which binding. */
interface OwnerRequest {
  entityRef: string;
  environment: string;
  credentials: BackstageCredentials<{ type: 'user'; userEntityRef: string }>;
  request?: Request<any, any, any, any, any>;
}

/** A "check now" this soon after the last one of the same binding answers from the stored state. */
const CHECK_NOW_MIN_INTERVAL_MS = 10_000;

/**
 * What users may ask of the plugin, with the permission checks, the cooldown and the audit
 * trail in one place: the REST API and the actions registry both go through it.
 */
export class CredentialsService {
  readonly #options: CredentialsServiceOptions;
  readonly #now: () => Date;
  /** When each binding was last checked on request, so repeated clicks do not hammer upstream. */
  readonly #lastCheckNow = new Map<string, number>();
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

  /**
   * Checks one credential live now, for an owner who just repaired drift or set the
   * ownership marks: needs the rotate permission (it calls Apigee and AWS), is audited, and
   * answers from stored state when the binding was checked on request seconds ago.
   */
  async checkNow(options: {
    entityRef: string;
    environment: string;
    credentials: BackstageCredentials;
    request?: Request<any, any, any, any, any>;
  }): Promise<CredentialSummary> {
    const { entityRef, environment, credentials } = options;
    return this.#audited('credential-check', 'low', options, async () => {
      await this.authorize(
        credentials,
        apigeeCredentialsRotatePermission,
        entityRef,
      );
      const bindingId = await this.#validBinding(entityRef, environment);
      const at = this.#now().getTime();
      if (
        at - (this.#lastCheckNow.get(bindingId) ?? 0) >=
        CHECK_NOW_MIN_INTERVAL_MS
      ) {
        this.#lastCheckNow.set(bindingId, at);
        await this.#options.checkNow(bindingId);
      }
      return this.#summaryOf(bindingId);
    });
  }

  /**
   * An admin approves a binding whose secret and app carry no ownership marks (a legacy
   * credential, a shared app): needs the admin permission, is audited, and holds only while
   * the annotation points at the same targets.
   */
  async approve(options: {
    entityRef: string;
    environment: string;
    credentials: BackstageCredentials<{ type: 'user'; userEntityRef: string }>;
    request?: Request<any, any, any, any, any>;
  }): Promise<CredentialSummary> {
    const { entityRef, environment, credentials } = options;
    return this.#audited('credential-approve', 'high', options, async () => {
      const [decision] = await this.#options.permissions.authorize(
        [{ permission: apigeeCredentialsAdminPermission }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          'Only platform admins may approve a credential binding',
        );
      }
      const bindingId = await this.#validBinding(entityRef, environment);
      await this.#options.approve(
        bindingId,
        credentials.principal.userEntityRef,
      );
      await this.#options.checkNow(bindingId);
      return this.#summaryOf(bindingId);
    });
  }

  /**
   * Calls with an old key in the last lookback period, asked now: what the owner sees before
   * confirming "revoke now". Needs the rotate permission (it calls Apigee's analytics).
   */
  async oldKeyTraffic(
    options: OwnerRequest & { keyFingerprint: string },
  ): Promise<KeyTrafficSummary> {
    const { keyFingerprint } = options;
    return this.#ownerAction(null, options, async bindingId =>
      toTrafficSummary(
        await this.#options.oldKeys.traffic(bindingId, keyFingerprint),
      ),
    );
  }

  /** Revokes an old key at once (a leaked key); restorable for the restore window. */
  async revokeOldKey(
    options: OwnerRequest & { keyFingerprint: string },
  ): Promise<OldKeySummary> {
    const { keyFingerprint } = options;
    return this.#ownerAction(
      'old-key-revoke',
      options,
      async (bindingId, actor) =>
        toOldKeySummary(
          await this.#options.oldKeys.revokeNow(
            bindingId,
            keyFingerprint,
            actor,
          ),
          this.#now(),
        ),
    );
  }

  /** Approves a revoked old key again, within its restore window. */
  async restoreOldKey(
    options: OwnerRequest & { keyFingerprint: string },
  ): Promise<OldKeySummary> {
    const { keyFingerprint } = options;
    return this.#ownerAction(
      'old-key-restore',
      options,
      async (bindingId, actor) =>
        toOldKeySummary(
          await this.#options.oldKeys.restore(bindingId, keyFingerprint, actor),
          this.#now(),
        ),
    );
  }

  /** Pauses scheduled rotation of a credential, with a reason shown to everyone. */
  async pause(
    options: OwnerRequest & { reason: string },
  ): Promise<RotationPause> {
    const reason = options.reason.trim();
    if (reason.length < 1 || reason.length > 500) {
      throw new InputError('reason must be 1 to 500 characters');
    }
    return this.#ownerAction(
      'credential-pause',
      options,
      async (bindingId, actor) => {
        const pause = await this.#options.oldKeys.pause(
          bindingId,
          actor,
          reason,
        );
        return {
          by: pause.by,
          at: pause.at.toISOString(),
          reason: pause.reason,
        };
      },
    );
  }

  async resume(options: OwnerRequest): Promise<void> {
    await this.#ownerAction('credential-resume', options, (bindingId, actor) =>
      this.#options.oldKeys.resume(bindingId, actor),
    );
  }

  /**
   * An owner's request on one binding: the rotate permission on the entity, a valid
   * binding, and (unless `eventId` is null, for reads) an audit event either way.
   */
  async #ownerAction<T>(
    eventId: string | null,
    options: OwnerRequest,
    run: (bindingId: string, actor: string) => Promise<T>,
  ): Promise<T> {
    const act = async () => {
      await this.authorize(
        options.credentials,
        apigeeCredentialsRotatePermission,
        options.entityRef,
      );
      const bindingId = await this.#validBinding(
        options.entityRef,
        options.environment,
      );
      return run(bindingId, options.credentials.principal.userEntityRef);
    };
    if (!eventId) return act();
    return this.#audited(eventId, 'high', options, act, {
      keyFingerprint: (options as { keyFingerprint?: string }).keyFingerprint,
    });
  }

  async #audited<T>(
    eventId: string,
    severityLevel: 'low' | 'medium' | 'high',
    options: {
      entityRef: string;
      environment: string;
      request?: Request<any, any, any, any, any>;
    },
    run: () => Promise<T>,
    meta?: Record<string, string | undefined>,
  ): Promise<T> {
    const auditorEvent = await this.#options.auditor.createEvent({
      eventId,
      severityLevel,
      request: options.request,
      meta: {
        entityRef: options.entityRef,
        binding: options.environment,
        ...meta,
      },
    });
    try {
      const result = await run();
      await auditorEvent.success();
      return result;
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      throw error;
    }
  }

  /** The binding's id; 404 when the entity has no such binding, 400 when it is invalid. */
  async #validBinding(entityRef: string, environment: string): Promise<string> {
    const bindingId = bindingIdOf(entityRef, environment);
    const row = await this.#options.bindings.get(bindingId);
    if (!row) {
      throw new NotFoundError(
        `${entityRef} has no credential binding ${environment}`,
      );
    }
    if (row.error) {
      throw new InputError(`The binding is misconfigured: ${row.error}`);
    }
    return bindingId;
  }

  async #summaryOf(bindingId: string): Promise<CredentialSummary> {
    const row = (await this.#options.bindings.get(bindingId))!;
    return summarise(
      row,
      await this.#options.readModel.status(bindingId),
      this.#options.statusSettings,
      this.#now(),
    );
  }

  /** Status of every binding of an entity, from stored state only, in one batched read. */
  async summariesOf(entityRef: string): Promise<CredentialSummary[]> {
    const { bindings, readModel, statusSettings } = this.#options;
    return summariseAll(
      await bindings.listForEntity(entityRef),
      readModel,
      statusSettings,
      this.#now(),
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
    /** Revoke the current key as soon as the new one is promoted (a leaked key). */
    revokeOldKey?: boolean;
  }): Promise<{ id: string }> {
    const { entityRef, environment, credentials } = options;
    const { readModel, manualCooldownMs } = this.#options;
    const auditorEvent = await this.#options.auditor.createEvent({
      eventId: 'credential-rotate',
      severityLevel: 'medium',
      request: options.request,
      meta: {
        entityRef,
        binding: environment,
        revokeOldKey: String(options.revokeOldKey ?? false),
      },
    });
    try {
      await this.authorize(
        credentials,
        apigeeCredentialsRotatePermission,
        entityRef,
      );
      const bindingId = await this.#validBinding(entityRef, environment);
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
        return this.#options.startRotation(bindingId, actor, {
          revokeOldKey: options.revokeOldKey,
        });
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
