import { randomUUID } from 'node:crypto';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  CheckRecord,
  Lease,
  RotationStore,
  StoredBinding,
} from '../database/RotationStore';
import { TargetClaim } from '../ownership/targetClaims';
import { RotationPauseRecord } from '../database/KeyRetirementStore';
import { resolveSecretReference } from '../secrets/arn';
import { maxAgeMsOf, nextCheckAt } from './checkSchedule';
import { EngineDependencies } from './context';
import {
  RetirementSummary,
  retireDueOldKeys,
} from './retirement/retireOldKeys';
import { OldKeyActions } from './retirement/ownerActions';
import { durationToMs, formatMs } from './durations';
import { OwnershipUnverifiedError, RotationInProgressError } from './failures';
import { inspectCredential } from './inspection';
import { assertProbeAllowed } from './probe';
import { RotationWorker, WorkerOptions } from './RotationWorker';
import {
  CredentialBinding,
  CredentialStatus,
  DriftProblem,
  KeyDeletionRecord,
  RotationRecord,
  RotationTrigger,
} from './types';

/** Who asked for a rotation, and why. */
export interface RotationRequest {
  trigger: RotationTrigger;
  /** Entity ref of the user, or the service, that asked. */
  actor?: string;
  /**
   * Revoke the old key as soon as the rotation finishes, without a grace period (a leaked
   * key). Needs an actor.
   */
  revokeOldKey?: boolean;
  /**
   * The caller has just checked the credential (the scheduled pass: check, then rotate the
   * due ones), so the ownership that check stored stands and is not checked live again.
   */
  afterCheck?: boolean;
}

/** The unfinished and the last rotation, the old keys and the pause of a binding. */
interface BindingHistory {
  activeRotation?: RotationRecord;
  lastRotation?: RotationRecord;
  oldKeys: KeyDeletionRecord[];
  paused?: RotationPauseRecord;
}

/** A rotation that has started; `done` settles when the worker stops. */
export interface StartedRotation {
  rotation: RotationRecord;
  /** The rotation when the worker stopped: completed, failed, or (rarely) left for resume. */
  done: Promise<RotationRecord>;
}

/**
 * The rotation engine: runs the protocol of docs/protocol.md for credential bindings, with state
 * persisted in the plugin's database so that any replica can resume after a crash.
 *
 * Entry points:
 * - {@link RotationEngine.syncBindings}: record the bindings found in the catalog;
 * - {@link RotationEngine.rotate} / {@link RotationEngine.startRotation}: rotate one binding;
 * - {@link RotationEngine.rotateDue}: the scheduled pass (adopt new bindings, rotate old keys);
 * - {@link RotationEngine.resume}: finish or roll back rotations whose worker died;
 * - {@link RotationEngine.retireOldKeys}: retire old keys once traffic with them stops
 *   (docs/key-retirement.md), and {@link RotationEngine.oldKeys} for an owner's actions;
 * - {@link RotationEngine.inspect} / {@link RotationEngine.adopt}: status and drift.
 */
export class RotationEngine {
  readonly #deps: EngineDependencies;
  readonly #instanceId: string;
  readonly #running = new Set<Promise<unknown>>();

  constructor(deps: EngineDependencies, options?: { instanceId?: string }) {
    this.#deps = deps;
    this.#instanceId = options?.instanceId ?? `engine-${randomUUID()}`;
  }

  get #store(): RotationStore {
    return this.#deps.store;
  }

  /** Inserts or updates bindings (the catalog sync job calls this). */
  async syncBindings(bindings: CredentialBinding[]): Promise<void> {
    for (const binding of bindings) this.#validate(binding);
    await this.#store.upsertBindings(bindings, this.#deps.clock.now());
  }

  /** Rotates a binding and waits for the outcome. */
  async rotate(
    binding: string | CredentialBinding,
    request: RotationRequest,
  ): Promise<RotationRecord> {
    const started = await this.startRotation(binding, request);
    return started.done;
  }

  /**
   * Takes the binding's lease and records the rotation, then runs it in the background.
   * Throws {@link RotationInProgressError} (a ConflictError) when the binding is busy, on
   * this replica or another. If an earlier rotation of the binding was left unfinished, that
   * one is resumed instead of starting a second.
   */
  async startRotation(
    binding: string | CredentialBinding,
    request: RotationRequest,
  ): Promise<StartedRotation> {
    const stored = await this.#loadOrSync(binding);
    // Refuse bad targets (unknown provider, account or probe not allowed) before touching state.
    this.checkTarget(stored.binding);
    // Only a credential whose targets are proven to be the entity's is rotated: as the
    // caller's check has just stored (afterCheck), or as checked live now.
    const { ownership } = request.afterCheck
      ? stored
      : await this.#check(stored, { adopt: false, force: false });
    if (!ownership || ownership.state === 'unverified') {
      throw new OwnershipUnverifiedError(stored.binding.id, ownership?.reason);
    }

    // Usually there is no unfinished rotation: take the lease and record the new one at once.
    const { lease, rotation: inserted } = await this.#store.startRotation(
      stored.binding.id,
      this.#instanceId,
      { id: randomUUID(), trigger: request.trigger, actor: request.actor },
      this.#deps.clock.now(),
    );
    if (!lease) {
      const active = await this.#store.getActiveRotation(stored.binding.id);
      throw new RotationInProgressError(stored.binding.id, active?.id);
    }
    let rotation: RotationRecord;
    let active: RotationRecord | undefined;
    try {
      if (inserted) {
        rotation = inserted;
        if (request.revokeOldKey && request.actor) {
          // Stored with the lease held, before any side effect: a crash keeps the request.
          await this.#deps.retirement.requestRevocation(
            rotation.id,
            request.actor,
            this.#deps.clock.now(),
          );
        }
        await this.#deps.hooks?.checkpoint?.('started:persisted', rotation);
      } else {
        active = await this.#store.getActiveRotation(stored.binding.id);
        if (!active) {
          throw new Error(
            `Rotation of ${stored.binding.id} could be neither recorded nor found`,
          );
        }
        rotation = await this.#store.recordAttempt(
          lease,
          active.id,
          this.#deps.clock.now(),
        );
        this.#deps.logger.info(
          `Resuming unfinished rotation ${active.id} of ${stored.binding.id} instead of starting another`,
        );
      }
    } catch (error) {
      await this.#store.releaseLease(lease);
      throw error;
    }
    const done = this.#runWorker(stored, lease, rotation, {
      justStarted: !active,
    });
    return {
      rotation,
      // The old key of a "rotate and revoke" goes at once, not at the next pass.
      done: request.revokeOldKey
        ? done.then(async finished => {
            if (finished.phase === 'completed') {
              await this.retireOldKeys().catch(() => undefined);
            }
            return finished;
          })
        : done,
    };
  }

  /**
   * Finishes or rolls back every rotation whose worker stopped (crash, restart, lost
   * lease): those that are unfinished and whose lease has expired. Run it at startup and
   * on a schedule.
   */
  async resume(): Promise<RotationRecord[]> {
    const abandoned = await this.#store.listAbandonedRotations(
      this.#deps.clock.now(),
    );
    const results: RotationRecord[] = [];
    for (const rotation of abandoned) {
      const stored = await this.#store.getBinding(rotation.bindingId);
      if (!stored) continue;
      const lease = await this.#store.tryAcquireLease(
        rotation.bindingId,
        this.#instanceId,
        this.#deps.clock.now(),
      );
      if (!lease) continue; // another replica got there first
      let current: RotationRecord;
      try {
        current = await this.#store.recordAttempt(
          lease,
          rotation.id,
          this.#deps.clock.now(),
        );
      } catch (error) {
        await this.#store.releaseLease(lease);
        throw error;
      }
      this.#deps.logger.info(
        `Resuming rotation ${rotation.id} of ${rotation.bindingId} from phase ${current.phase} (attempt ${current.attempts})`,
      );
      results.push(await this.#runWorker(stored, lease, current));
    }
    return results;
  }

  /**
   * The scheduled pass: looks at every binding, adopts those seen for the first time, records
   * drift, and rotates the healthy ones whose key is older than their max age.
   */
  async rotateDue(): Promise<RotationRecord[]> {
    const results: RotationRecord[] = [];
    for (const bindingId of await this.listBindingsToCheck()) {
      try {
        const status = await this.adopt(bindingId);
        if (
          status.activeRotation ||
          status.drift.length > 0 ||
          !status.rotationDueAt
        )
          continue;
        if (status.rotationDueAt.getTime() > this.#deps.clock.now().getTime())
          continue;
        if (await this.isPaused(bindingId)) continue;
        results.push(
          await this.rotate(bindingId, {
            trigger: 'schedule',
            afterCheck: true,
          }),
        );
      } catch (error) {
        if (error instanceof RotationInProgressError) continue;
        this.#deps.logger.warn(
          `Scheduled rotation check of ${bindingId} failed: ${
            (error as Error).message
          }`,
        );
      }
    }
    return results;
  }

  /**
   * The bindings a scheduled pass looks at now: those whose next check has come (never
   * checked first, then the longest overdue), at most `checkBatchSize`. A check schedules the
   * next one no later than the rotation is due, so due rotations are among them. Everything
   * else costs no call to Apigee or AWS; what does not fit waits for the next pass.
   */
  async listBindingsToCheck(): Promise<string[]> {
    return this.#store.listBindingsToCheck(
      this.#deps.clock.now(),
      this.#deps.settings.checkBatchSize,
    );
  }

  /** Every stored binding with its ownership, for the one-binding-per-target rule. */
  async listTargetClaims(): Promise<TargetClaim[]> {
    return (await this.#store.listBindings()).map(stored => ({
      bindingId: stored.binding.id,
      binding: stored.binding,
      ownership: stored.ownership,
      createdAt: stored.createdAt,
    }));
  }

  /**
   * Moves a binding's next check: to the next pass by default (an owner who just repaired
   * drift), or to a later time (a due credential waiting for its rotation window).
   */
  async scheduleCheck(bindingId: string, at?: Date): Promise<void> {
    await this.#store.scheduleCheck(bindingId, at ?? this.#deps.clock.now());
  }

  /**
   * Records an admin's approval of the binding's current targets, for a binding whose
   * targets carry no ownership marks. It lapses when the annotation points elsewhere.
   */
  async approve(bindingId: string, approver: string): Promise<void> {
    const stored = await this.#store.getBinding(bindingId);
    if (!stored) {
      throw new NotFoundError(`No credential binding with id ${bindingId}`);
    }
    await this.#store.approveBinding(bindingId, {
      by: approver,
      at: this.#deps.clock.now(),
      targetHash: stored.targetHash,
    });
    this.#deps.logger.info(
      `Credential ${bindingId} approved by ${approver} for its current targets`,
    );
  }

  /**
   * Throws a readable error if the engine would refuse to rotate this binding: malformed,
   * unknown provider, AWS account not allow-listed, probe URL not allowed, bad durations or
   * durations below the configured minimums.
   * Makes no network call (for validating catalog bindings as they are synced).
   */
  checkTarget(binding: CredentialBinding): void {
    this.#validate(binding);
    this.#checkFloors(binding);
    this.#deps.providerFor(binding.provider);
    this.#deps.secrets.resolve(binding.secret);
    if (binding.probe) {
      assertProbeAllowed(
        binding.probe,
        this.#deps.settings.allowedProbeUrlPrefixes,
      );
    }
  }

  /**
   * What the engine has stored about a binding (adoption, drift as last checked, rotations,
   * pending deletions), without calling AWS or Apigee; undefined for an unknown binding.
   */
  async storedStatus(bindingId: string): Promise<CredentialStatus | undefined> {
    return (await this.storedStatuses([bindingId])).get(bindingId);
  }

  /**
   * {@link RotationEngine.storedStatus} of many bindings at once, in four queries whatever
   * their number (a page of the fleet); unknown bindings are left out.
   */
  async storedStatuses(
    bindingIds: string[],
  ): Promise<Map<string, CredentialStatus>> {
    const [bindings, histories] = await Promise.all([
      this.#store.getBindings(bindingIds),
      this.#histories(bindingIds),
    ]);
    const statuses = new Map<string, CredentialStatus>();
    for (const [id, stored] of bindings) {
      statuses.set(id, this.#statusOf(stored, histories.get(id)!));
    }
    return statuses;
  }

  /**
   * Moves every old key whose next step is due towards deletion: traffic check, deletion
   * after silence, revocation at the deadline, deletion after the restore window.
   */
  async retireOldKeys(): Promise<RetirementSummary> {
    return retireDueOldKeys(this.#deps, this.#instanceId);
  }

  #oldKeys?: OldKeyActions;

  /** An owner's actions on old keys: traffic now, revoke now, restore. */
  get oldKeys(): OldKeyActions {
    // One instance, which keeps the recent traffic answers.
    this.#oldKeys ??= new OldKeyActions(this.#deps, this.#instanceId);
    return this.#oldKeys;
  }

  /** Pauses scheduled rotation of a binding; manual rotation still works. */
  async pause(
    bindingId: string,
    actor: string,
    reason: string,
  ): Promise<RotationPauseRecord> {
    if (!(await this.#store.getBinding(bindingId))) {
      throw new NotFoundError(`Unknown credential ${bindingId}`);
    }
    const record = { bindingId, by: actor, at: this.#deps.clock.now(), reason };
    await this.#deps.retirement.pause(record);
    this.#deps.emit({ type: 'rotation.paused', bindingId, actor, reason });
    return record;
  }

  /** Resumes scheduled rotation of a binding; a no-op when it was not paused. */
  async resumeSchedule(bindingId: string, actor: string): Promise<void> {
    if (await this.#deps.retirement.resume(bindingId)) {
      // A credential that fell due while paused is rotated by the next pass, not by the
      // next regular check hours later.
      await this.scheduleCheck(bindingId);
      this.#deps.emit({ type: 'rotation.resumed', bindingId, actor });
    }
  }

  /** Whether scheduled rotation of a binding is paused. */
  async isPaused(bindingId: string): Promise<boolean> {
    return (await this.#deps.retirement.pausesOf([bindingId])).has(bindingId);
  }

  /**
   * Adopts a binding: finds the key of AWSCURRENT in the Apigee app and records its issue time
   * as the credential's birth. Reports drift without repairing anything. With `force`, a key
   * that was replaced outside the plugin is accepted as the new current one.
   */
  async adopt(
    binding: string | CredentialBinding,
    options?: { force?: boolean },
  ): Promise<CredentialStatus> {
    const stored = await this.#loadOrSync(binding);
    return this.#check(stored, { adopt: true, force: options?.force ?? false });
  }

  /** Live status of a binding: drift, age, rotations and pending deletions; changes nothing outside. */
  async inspect(
    binding: string | CredentialBinding,
  ): Promise<CredentialStatus> {
    const stored = await this.#loadOrSync(binding);
    return this.#check(stored, { adopt: false, force: false });
  }

  async getRotation(id: string): Promise<RotationRecord | undefined> {
    return this.#store.getRotation(id);
  }

  async listRotations(
    bindingId: string,
    limit = 20,
  ): Promise<RotationRecord[]> {
    return this.#store.listRotations(bindingId, limit);
  }

  /** Start times of a user's rotations with this trigger since `since`, newest first (quotas). */
  async listRotationStartsBy(
    actor: string,
    trigger: RotationTrigger,
    since: Date,
    limit: number,
  ): Promise<Date[]> {
    return this.#store.listRotationStartsBy(actor, trigger, since, limit);
  }

  /** Waits for rotations started by this instance (for shutdown and tests). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) {
      await Promise.allSettled([...this.#running]);
    }
  }

  async #check(
    stored: StoredBinding,
    options: { adopt: boolean; force: boolean },
  ): Promise<CredentialStatus> {
    const { binding } = stored;
    const now = this.#deps.clock.now();
    // Looked up while Apigee and AWS are read.
    const history = this.#histories([binding.id]).then(
      histories => histories.get(binding.id)!,
    );
    history.catch(() => undefined); // awaited below
    const activeLookup = history.then(h => h.activeRotation);
    activeLookup.catch(() => undefined); // awaited below
    const inspection = await inspectCredential(
      this.#deps,
      stored,
      activeLookup,
    );
    const activeRotation = await activeLookup;
    let problems: DriftProblem[] = inspection.problems;

    let adoption: { currentKeyFingerprint: string; bornAt?: Date } | undefined;
    if (options.adopt && !activeRotation && inspection.currentKey) {
      const replaced = problems.some(p => p.code === 'replaced-outside-plugin');
      if (!stored.adoptedAt || (replaced && options.force)) {
        adoption = {
          currentKeyFingerprint: inspection.currentKeyFingerprint!,
          bornAt: inspection.currentKey.issuedAt,
        };
        problems = problems.filter(p => p.code !== 'replaced-outside-plugin');
      }
    }
    const before = JSON.stringify(stored.drift ?? []);
    // The binding as written, rather than read back; the other parts of the status are read
    // meanwhile.
    const currentKeyFingerprint =
      adoption?.currentKeyFingerprint ?? stored.currentKeyFingerprint;
    const bornAt = adoption ? adoption.bornAt : stored.bornAt;
    const rotationDueAt = bornAt
      ? new Date(bornAt.getTime() + maxAgeMsOf(binding, this.#deps.settings))
      : undefined;
    const record: CheckRecord = {
      drift: problems,
      ownership: inspection.ownership,
      // Remembered only for the key the binding records, so that a key replaced outside
      // the plugin is read (and reported) again at the next check.
      currentVersionId:
        inspection.currentKeyFingerprint &&
        inspection.currentKeyFingerprint === currentKeyFingerprint
          ? inspection.currentVersionId
          : undefined,
      nextCheckAt: nextCheckAt(
        now,
        this.#deps.settings,
        rotationDueAt,
        adoption ? Math.random : undefined,
      ),
      rotationDueAt,
      adoption,
    };
    const checked: StoredBinding = {
      ...stored,
      ...(adoption && {
        adoptedAt: now,
        bornAt: adoption.bornAt,
        currentKeyFingerprint: adoption.currentKeyFingerprint,
      }),
      drift: problems.length > 0 ? problems : undefined,
      ownership: record.ownership,
      currentVersionId: record.currentVersionId ?? stored.currentVersionId,
      nextCheckAt: record.nextCheckAt,
      rotationDueAt: record.rotationDueAt ?? stored.rotationDueAt,
      checkedAt: now,
    };
    await this.#store.recordCheck(binding.id, record, now);
    if (
      inspection.ownership.state === 'unverified' &&
      stored.ownership?.state !== 'unverified'
    ) {
      this.#deps.logger.warn(
        `Credential ${binding.id} is not proven to belong to its entity; it is neither rotated nor shown: ${inspection.ownership.reason}`,
      );
    }
    const status = this.#statusOf(checked, await history);
    if (adoption) {
      this.#deps.logger.info(
        `Adopted credential ${binding.id}: key ${
          adoption.currentKeyFingerprint
        } issued ${adoption.bornAt?.toISOString() ?? 'at an unknown time'}`,
      );
    }
    if (problems.length > 0 && JSON.stringify(problems) !== before) {
      this.#deps.logger.warn(
        `Credential ${binding.id} has drifted: ${problems
          .map(p => p.message)
          .join('; ')}`,
      );
      this.#deps.emit({
        type: 'drift.detected',
        bindingId: binding.id,
        problems,
      });
    }
    return status;
  }

  /** The histories of many bindings: three queries in all. */
  async #histories(bindingIds: string[]): Promise<Map<string, BindingHistory>> {
    const deletedSince = new Date(
      this.#deps.clock.now().getTime() -
        this.#deps.retirementSettings.showDeletedForMs,
    );
    const [rotations, oldKeys, pauses] = await Promise.all([
      this.#store.latestRotations(bindingIds),
      this.#deps.retirement.listForBindings(bindingIds, deletedSince),
      this.#deps.retirement.pausesOf(bindingIds),
    ]);
    return new Map(
      bindingIds.map(id => [
        id,
        {
          activeRotation: rotations.get(id)?.active,
          lastRotation: rotations.get(id)?.last,
          oldKeys: oldKeys.get(id) ?? [],
          paused: pauses.get(id),
        },
      ]),
    );
  }

  #statusOf(stored: StoredBinding, history: BindingHistory): CredentialStatus {
    const { activeRotation, lastRotation, oldKeys, paused } = history;
    return {
      binding: stored.binding,
      adopted: Boolean(stored.adoptedAt),
      currentKeyFingerprint: stored.currentKeyFingerprint,
      bornAt: stored.bornAt,
      rotationDueAt: this.#rotationDueAt(stored),
      ownership: stored.ownership,
      approval:
        stored.approval?.targetHash === stored.targetHash
          ? { by: stored.approval.by, at: stored.approval.at }
          : undefined,
      drift: stored.drift ?? [],
      checkedAt: stored.checkedAt,
      activeRotation,
      lastRotation,
      pendingDeletions: oldKeys.filter(
        k => k.status !== 'deleted' && k.status !== 'revoked',
      ),
      oldKeys,
      paused,
      retireOldKeys: this.#retireOldKeysOf(stored.binding),
    };
  }

  #retireOldKeysOf(binding: CredentialBinding): 'traffic' | 'time' {
    if (binding.retireOldKeys) return binding.retireOldKeys;
    try {
      return (
        this.#deps.providerFor(binding.provider).oldKeyRetirement ?? 'traffic'
      );
    } catch {
      return 'traffic'; // an unknown provider: the binding is misconfigured anyway
    }
  }

  /** Birth of the recorded key plus the binding's maximum age (as the binding says now). */
  #rotationDueAt(stored: StoredBinding): Date | undefined {
    return stored.bornAt
      ? new Date(
          stored.bornAt.getTime() +
            maxAgeMsOf(stored.binding, this.#deps.settings),
        )
      : undefined;
  }

  async #loadOrSync(
    binding: string | CredentialBinding,
  ): Promise<StoredBinding> {
    if (typeof binding !== 'string') await this.syncBindings([binding]);
    const id = typeof binding === 'string' ? binding : binding.id;
    const stored = await this.#store.getBinding(id);
    if (!stored) throw new NotFoundError(`No credential binding with id ${id}`);
    return stored;
  }

  /** Shape checks only; whether the account is allowed is decided when rotating. */
  #validate(binding: CredentialBinding): void {
    if (
      !binding.id ||
      !binding.provider ||
      !binding.developer ||
      !binding.app
    ) {
      throw new InputError(
        `Binding ${
          binding.id || '(no id)'
        } needs an id, a provider, a developer and an app`,
      );
    }
    resolveSecretReference(binding.secret);
    if (binding.gracePeriod !== undefined) {
      durationToMs(binding.gracePeriod, `gracePeriod of ${binding.id}`);
    }
    if (binding.maxAge !== undefined)
      durationToMs(binding.maxAge, `maxAge of ${binding.id}`);
  }

  /** A binding may not rotate more often, or drop old keys sooner, than the floors allow. */
  #checkFloors(binding: CredentialBinding): void {
    const { settings } = this.#deps;
    const floors = [
      ['maxAge', binding.maxAge, settings.minimumMaxAgeMs, 'minimumMaxAge'],
      [
        'gracePeriod',
        binding.gracePeriod,
        settings.minimumGracePeriodMs,
        'minimumGracePeriod',
      ],
    ] as const;
    for (const [field, value, minimumMs, key] of floors) {
      if (value === undefined) continue;
      const ms = durationToMs(value, `${field} of ${binding.id}`);
      if (ms < minimumMs) {
        throw new InputError(
          `${field} ${formatMs(ms)} is below the minimum of ${formatMs(
            minimumMs,
          )} (apigeeCredentials.rotation.${key})`,
        );
      }
    }
  }

  #runWorker(
    stored: StoredBinding,
    lease: Lease,
    rotation: RotationRecord,
    options?: WorkerOptions,
  ): Promise<RotationRecord> {
    const run = (async () => {
      const worker = new RotationWorker(
        this.#deps,
        stored,
        lease,
        rotation,
        options,
      );
      try {
        return await worker.run();
      } finally {
        // A completed rotation released its lease as it was recorded.
        if (!worker.leaseReleased)
          await this.#store
            .releaseLease(lease)
            .catch(error =>
              this.#deps.logger.warn(
                `Could not release the lease on ${lease.bindingId}: ${
                  (error as Error).message
                }`,
              ),
            );
      }
    })();
    this.#running.add(run);
    run.then(
      () => this.#running.delete(run),
      error => {
        this.#running.delete(run);
        this.#deps.logger.error(
          `Rotation ${rotation.id} of ${
            stored.binding.id
          } stopped on an unexpected error: ${(error as Error).message}`,
        );
      },
    );
    return run;
  }
}
