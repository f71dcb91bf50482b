import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { EngineDependencies, findKeyByFingerprint } from '../context';
import { RotationInProgressError } from '../failures';
import { SecretScrubber } from '../scrub';
import { KeyDeletionRecord, KeyTrafficRecord } from '../types';
import { readCurrentCredential } from './currentCredential';
import {
  OldKeyTarget,
  appRef,
  observeTraffic,
  revokeOldKey,
} from './oldKeyOperations';

/** How long an old key's traffic answer is given again without asking analytics. */
const TRAFFIC_REUSE_MS = 60_000;

/**
 * What an owner can do to one old key from the tab: see its traffic now, revoke it at once
 * (a leaked key), restore it after a revocation broke something. Each holds the binding's
 * lease, like a rotation, and refuses a key that is in AWSCURRENT again.
 */
export class OldKeyActions {
  /** Recent traffic answers by binding and key, reused for {@link TRAFFIC_REUSE_MS}. */
  readonly #recentTraffic = new Map<string, KeyTrafficRecord>();

  constructor(
    private readonly deps: EngineDependencies,
    private readonly holder: string,
  ) {}

  /**
   * Calls with the key in the last lookback period, asked now; for the revoke dialog. An
   * answer less than a minute old is given again without asking Apigee: its analytics has
   * minute granularity, and each question costs an app read and two reports, so opening the
   * dialog again and again must not add load on Apigee.
   */
  async traffic(
    bindingId: string,
    keyFingerprint: string,
  ): Promise<KeyTrafficRecord> {
    const cacheKey = `${bindingId} ${keyFingerprint}`;
    const now = this.deps.clock.now();
    for (const [key, answer] of this.#recentTraffic) {
      if (now.getTime() - answer.checkedAt.getTime() >= TRAFFIC_REUSE_MS)
        this.#recentTraffic.delete(key);
    }
    const recent = this.#recentTraffic.get(cacheKey);
    if (recent) return recent;
    const traffic = await this.#withKey(
      bindingId,
      keyFingerprint,
      async target => {
        if (!target.key) throw gone(keyFingerprint);
        const observed = await observeTraffic(
          target,
          target.key.consumerKey,
          new Date(
            this.deps.clock.now().getTime() -
              this.deps.retirementSettings.lookbackMs,
          ),
        );
        if (!observed.traffic)
          throw new ServiceUnavailableError(observed.reason);
        return observed.traffic;
      },
    );
    this.#recentTraffic.set(cacheKey, traffic);
    return traffic;
  }

  /** Revokes an old key now; a revoked key is returned as it is. */
  async revokeNow(
    bindingId: string,
    keyFingerprint: string,
    actor: string,
  ): Promise<KeyDeletionRecord> {
    return this.#withKey(bindingId, keyFingerprint, async target => {
      if (target.record.status === 'revoked') return target.record;
      if (!target.key) throw gone(keyFingerprint);
      return revokeOldKey(target, {
        reason: 'owner',
        actor,
        attempts: target.record.attempts,
      });
    });
  }

  /**
   * Approves a revoked key again, within its restore window, and gives it a new deadline;
   * traffic checks resume at the next pass.
   */
  async restore(
    bindingId: string,
    keyFingerprint: string,
    actor: string,
  ): Promise<KeyDeletionRecord> {
    return this.#withKey(bindingId, keyFingerprint, async target => {
      const { deps, record, binding, provider, key } = target;
      const now = deps.clock.now();
      if (record.status !== 'revoked') {
        throw new ConflictError(
          `Key ${keyFingerprint} is not revoked, so there is nothing to restore`,
        );
      }
      if (!record.restorableUntil || now >= record.restorableUntil) {
        throw new ConflictError(
          `The restore window of key ${keyFingerprint} is over; it is being deleted`,
        );
      }
      if (!key) throw gone(keyFingerprint);
      const consumerKey = key.consumerKey;
      await deps.retry.run('approve the old key again', () =>
        provider.approveKey(appRef(binding), consumerKey),
      );
      const deadlineAt = new Date(
        now.getTime() + deps.retirementSettings.deadlineMs,
      );
      const patch = {
        status: 'scheduled' as const,
        lastError: null,
        revokedAt: null,
        revokedBy: null,
        restorableUntil: null,
        silentSince: null,
        notifiedState: null,
        nextAttemptAt: now,
        deadlineAt,
      };
      await deps.retirement.clearRevocationRequest(record.rotationId);
      await deps.retirement.update(record.id, patch);
      deps.emit({
        type: 'key.restored',
        bindingId,
        keyFingerprint,
        actor,
        deadlineAt,
      });
      return {
        ...record,
        status: 'scheduled',
        lastError: undefined,
        revokedAt: undefined,
        revokedBy: undefined,
        restorableUntil: undefined,
        silentSince: undefined,
        notifiedState: undefined,
        nextAttemptAt: now,
        deadlineAt,
        revocationRequested: false,
      };
    });
  }

  async #withKey<T>(
    bindingId: string,
    keyFingerprint: string,
    action: (target: OldKeyTarget) => Promise<T>,
  ): Promise<T> {
    const { deps } = this;
    const record = await deps.retirement.get(bindingId, keyFingerprint);
    if (!record) {
      throw new NotFoundError(
        `The credential has no old key ${keyFingerprint}`,
      );
    }
    if (record.status === 'deleted') {
      throw new ConflictError(`Key ${keyFingerprint} is already deleted`);
    }
    const stored = await deps.store.getBinding(bindingId);
    if (!stored) throw new NotFoundError(`Unknown credential ${bindingId}`);
    if (
      stored.ownership?.state !== 'verified' &&
      stored.ownership?.state !== 'approved'
    ) {
      throw new NotAllowedError(
        'The credential is not proven to belong to its entity; nothing is changed in its app',
      );
    }
    const lease = await deps.store.tryAcquireLease(
      bindingId,
      this.holder,
      deps.clock.now(),
    );
    if (!lease) throw new RotationInProgressError(bindingId);
    const scrubber = new SecretScrubber();
    try {
      const { binding } = stored;
      const current = await readCurrentCredential(deps, binding, scrubber);
      if (current.keyFingerprint === keyFingerprint) {
        throw new ConflictError(
          `Key ${keyFingerprint} is in AWSCURRENT again: consumers read it, so rotate instead`,
        );
      }
      const provider = deps.providerFor(binding.provider);
      const app = await deps.retry.run('read the Apigee app', () =>
        provider.getApp(appRef(binding)),
      );
      const key = findKeyByFingerprint(app, keyFingerprint);
      scrubber.add(key?.consumerKey);
      return await action({ deps, record, binding, provider, key });
    } catch (error) {
      if (isHttpError(error)) throw error;
      throw new ServiceUnavailableError(scrubber.describe(error));
    } finally {
      await deps.store.releaseLease(lease);
    }
  }
}

function gone(keyFingerprint: string) {
  return new ConflictError(`Key ${keyFingerprint} is gone from the app`);
}

/** Errors that already say what the caller did wrong (Backstage's HTTP errors). */
function isHttpError(error: unknown): boolean {
  return (
    error instanceof ConflictError ||
    error instanceof NotFoundError ||
    error instanceof NotAllowedError ||
    error instanceof ServiceUnavailableError
  );
}
