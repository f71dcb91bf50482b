import {
  ApiKeyDetails,
  KeyProvider,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { EngineDependencies } from '../context';
import { SecretScrubber } from '../scrub';
import {
  CredentialBinding,
  KeyDeletionRecord,
  KeyTrafficRecord,
  RotationEvent,
} from '../types';

/** One old key, its binding and the app key it names (absent when already gone). */
export interface OldKeyTarget {
  deps: EngineDependencies;
  record: KeyDeletionRecord;
  binding: CredentialBinding;
  provider: KeyProvider;
  key: ApiKeyDetails | undefined;
}

type DeletionReason = Extract<RotationEvent, { type: 'key.deleted' }>['reason'];

/** Deletes the key from the app (unless already gone), then records and announces it. */
export async function deleteOldKey(
  target: OldKeyTarget,
  reason: DeletionReason,
  attempts: number,
  traffic?: KeyTrafficRecord,
): Promise<void> {
  const { deps, record, binding, provider, key } = target;
  const logger = deps.logger.child({ bindingId: record.bindingId });
  if (key) {
    const consumerKey = key.consumerKey;
    await deps.retry.run('delete the old key', () =>
      provider.deleteKey(appRef(binding), consumerKey),
    );
    logger.info(`Deleted old key ${record.keyFingerprint} (${reason})`);
  } else {
    logger.info(
      `Old key ${record.keyFingerprint} was already gone from the app`,
    );
  }
  await deps.retirement.update(record.id, {
    status: 'deleted',
    attempts,
    lastError: null,
    deletedAt: deps.clock.now(),
    nextAttemptAt: null,
    traffic,
  });
  deps.emit({
    type: 'key.deleted',
    bindingId: record.bindingId,
    keyFingerprint: record.keyFingerprint,
    reason,
  });
}

/**
 * Revokes the key in Apigee (the gateway rejects it from then on) and opens its restore
 * window; it is deleted when the window ends.
 */
export async function revokeOldKey(
  target: OldKeyTarget,
  options: {
    reason: 'deadline' | 'owner' | 'rotation';
    actor?: string;
    attempts: number;
  },
): Promise<KeyDeletionRecord> {
  const { deps, record, binding, provider, key } = target;
  if (!key) {
    throw new Error(`Old key ${record.keyFingerprint} is gone from the app`);
  }
  if (!provider.revokeKey) {
    throw new Error(
      `Provider ${binding.provider} cannot revoke keys; the old key stays until it is deleted`,
    );
  }
  const revoke = provider.revokeKey.bind(provider);
  const consumerKey = key.consumerKey;
  await deps.retry.run('revoke the old key', () =>
    revoke(appRef(binding), consumerKey),
  );
  const now = deps.clock.now();
  const restorableUntil = new Date(
    now.getTime() + deps.retirementSettings.restoreWindowMs,
  );
  const patch = {
    status: 'revoked' as const,
    attempts: options.attempts,
    lastError: null,
    revokedAt: now,
    revokedBy: options.actor ?? null,
    restorableUntil,
    nextAttemptAt: restorableUntil,
    notifiedState: 'revoked',
  };
  await deps.retirement.update(record.id, patch);
  deps.logger
    .child({ bindingId: record.bindingId })
    .info(
      `Revoked old key ${record.keyFingerprint} (${
        options.reason
      }); restorable until ${restorableUntil.toISOString()}`,
    );
  deps.emit({
    type: 'key.revoked',
    bindingId: record.bindingId,
    keyFingerprint: record.keyFingerprint,
    reason: options.reason,
    actor: options.actor,
    restorableUntil,
  });
  return {
    ...record,
    ...patch,
    lastError: undefined,
    revokedBy: options.actor,
  };
}

/** A traffic answer, or why there is none (never a reason to delete). */
export type ObservedTraffic =
  | { traffic: KeyTrafficRecord; reason?: undefined }
  | { traffic?: undefined; reason: string };

/** Asks the provider's analytics for calls with a key from `windowStart` until now. */
export async function observeTraffic(
  target: Pick<OldKeyTarget, 'deps' | 'binding' | 'provider'>,
  consumerKey: string,
  windowStart: Date,
): Promise<ObservedTraffic> {
  const { deps, binding, provider } = target;
  if (!provider.keyTraffic) {
    return {
      reason: `Provider ${binding.provider} has no traffic analytics configured, so old keys are never deleted on a guess; configure its analytics, or set retireOldKeys: time`,
    };
  }
  const keyTraffic = provider.keyTraffic.bind(provider);
  const now = deps.clock.now();
  const scrubber = new SecretScrubber();
  scrubber.add(consumerKey);
  try {
    // One attempt, no retries: a failed check only postpones the key to the next re-check,
    // and retrying for a minute per key would hold a whole pass up while analytics is down.
    const answer = await keyTraffic({
      ref: appRef(binding),
      consumerKey,
      from: windowStart,
      to: now,
    });
    return {
      traffic: {
        calls: answer.calls,
        lastCallAt: answer.lastCallAt,
        windowStart,
        checkedAt: now,
        sources: answer.sources.slice(0, 10),
      },
    };
  } catch (error) {
    return {
      reason: `Analytics did not answer: ${scrubber.describe(error)}`,
    };
  }
}

export function appRef(binding: CredentialBinding) {
  return { developer: binding.developer, app: binding.app };
}
