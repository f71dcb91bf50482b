import {
  ApiKeyDetails,
  KeyProvider,
  fingerprint,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { EngineDependencies, findKeyByFingerprint } from '../context';
import { SecretScrubber } from '../scrub';
import { CredentialBinding, KeyDeletionRecord } from '../types';
import { readCurrentCredential } from './currentCredential';
import {
  OldKeyTarget,
  deleteOldKey,
  observeTraffic,
  revokeOldKey,
} from './oldKeyOperations';

/** What one {@link retireDueOldKeys} pass did, per outcome. */
export interface RetirementSummary {
  /** Old keys deleted (or found already gone). */
  deleted: number;
  /** Old keys revoked (deadline passed, or asked for by the rotation). */
  revoked: number;
  /** Silent once: deleted after one more silent check. */
  checking: number;
  /** Still used: kept, owners notified. */
  inUse: number;
  /** No analytics answer: kept, never deleted on missing data. */
  waiting: number;
  /** Refused: the key is in AWSCURRENT again. */
  blocked: number;
  /** Left for later: busy binding, ownership not proven, or a failure (retried). */
  skipped: number;
}

type Outcome = keyof RetirementSummary;

/** Analytics lag assumed when a provider does not say. */
const DEFAULT_TRAFFIC_DELAY_MS = 10 * 60_000;

/**
 * Moves every old key whose next step is due one step towards deletion
 * (docs/key-retirement.md): a key is deleted only after two silent traffic checks one
 * analytics delay apart; a key still used, or without an analytics answer, is kept and its
 * owners told once, until the deadline revokes it; a revoked key is deleted when its restore
 * window ends. Each step holds the binding's lease (never racing a rotation), looks first
 * that the key is not in AWSCURRENT again, and is stored before the next one: a crash
 * repeats at most one idempotent call.
 */
export async function retireDueOldKeys(
  deps: EngineDependencies,
  holder: string,
): Promise<RetirementSummary> {
  const summary: RetirementSummary = {
    deleted: 0,
    revoked: 0,
    checking: 0,
    inUse: 0,
    waiting: 0,
    blocked: 0,
    skipped: 0,
  };
  const due = await deps.retirement.listDue(
    deps.clock.now(),
    deps.settings.deletionBatchSize,
  );
  for (const record of due) {
    const lease = await deps.store.tryAcquireLease(
      record.bindingId,
      holder,
      deps.clock.now(),
    );
    if (!lease) {
      summary.skipped += 1;
      continue;
    }
    try {
      summary[await retireOne(deps, record)] += 1;
    } finally {
      await deps.store.releaseLease(lease);
    }
  }
  return summary;
}

async function retireOne(
  deps: EngineDependencies,
  record: KeyDeletionRecord,
): Promise<Outcome> {
  const scrubber = new SecretScrubber();
  const attempts = record.attempts + 1;
  const now = deps.clock.now();
  try {
    const stored = await deps.store.getBinding(record.bindingId);
    if (!stored) {
      throw new Error(
        `Binding ${record.bindingId} is unknown; cannot locate the key`,
      );
    }
    if (stored.ownership?.state === 'unverified') {
      // Its targets are not proven to be the entity's: change nothing in them until they are.
      await deps.retirement.update(record.id, {
        attempts,
        lastError:
          'Held: the credential is not proven to belong to its entity (see its status)',
        nextAttemptAt: new Date(
          now.getTime() + deps.retirementSettings.recheckIntervalMs,
        ),
      });
      return 'skipped';
    }
    const { binding } = stored;
    const provider = deps.providerFor(binding.provider);
    const current = await readCurrentCredential(deps, binding, scrubber);
    if (current.keyFingerprint === record.keyFingerprint) {
      await blockCurrentKey(deps, record, attempts);
      return 'blocked';
    }
    const ref = { developer: binding.developer, app: binding.app };
    // An unreadable app (even "not found": it may be a configuration mistake) is an error,
    // not proof that the key is gone.
    const app = await deps.retry.run('read the Apigee app', () =>
      provider.getApp(ref),
    );
    const key = findKeyByFingerprint(app, record.keyFingerprint);
    scrubber.add(key?.consumerKey);
    const target: OldKeyTarget = { deps, record, binding, provider, key };
    if (!key) {
      await deleteOldKey(target, 'no-traffic', attempts);
      return 'deleted';
    }
    if (record.status === 'revoked') {
      // Due only once the restore window is over.
      await deleteOldKey(target, 'restore-window-over', attempts);
      return 'deleted';
    }
    if (record.revocationRequested) {
      const actor = await deps.retirement.revocationRequester(
        record.rotationId,
      );
      await revokeOldKey(target, { reason: 'rotation', actor, attempts });
      return 'revoked';
    }
    if (retiresByTime(binding, provider)) {
      await deleteOldKey(target, 'grace-period-over', attempts);
      return 'deleted';
    }
    return await stepByTraffic(target, key, current.consumerKey, attempts);
  } catch (error) {
    const message = scrubber.describe(error);
    deps.logger
      .child({ bindingId: record.bindingId })
      .warn(
        `Retiring old key ${record.keyFingerprint} failed; will retry: ${message}`,
      );
    await deps.retirement.update(record.id, { attempts, lastError: message });
    return 'skipped';
  }
}

/** Opted out of traffic checks: by the binding's annotation or the provider's config. */
function retiresByTime(binding: CredentialBinding, provider: KeyProvider) {
  return (binding.retireOldKeys ?? provider.oldKeyRetirement) === 'time';
}

async function stepByTraffic(
  target: OldKeyTarget,
  key: ApiKeyDetails,
  currentConsumerKey: string | undefined,
  attempts: number,
): Promise<Outcome> {
  const { deps, record, provider } = target;
  const settings = deps.retirementSettings;
  const now = deps.clock.now();
  const deadline =
    record.deadlineAt ?? new Date(record.dueAt.getTime() + settings.deadlineMs);
  // A second silent check must also see the calls made just before the first one.
  const windowStart = new Date(
    (record.silentSince ?? now).getTime() - settings.lookbackMs,
  );
  const observed = await observeTraffic(target, key.consumerKey, windowStart);
  const successorFirstUsedAt =
    observed.traffic && !record.successorFirstUsedAt && currentConsumerKey
      ? await firstUseOfSuccessor(target, currentConsumerKey, windowStart)
      : undefined;

  if (observed.traffic && observed.traffic.calls === 0) {
    const delayMs = provider.trafficDelayMs ?? DEFAULT_TRAFFIC_DELAY_MS;
    const silentSince = record.silentSince ?? now;
    if (
      record.status === 'checking' &&
      now.getTime() - silentSince.getTime() >= delayMs
    ) {
      await deleteOldKey(target, 'no-traffic', attempts, observed.traffic);
      return 'deleted';
    }
    await deps.retirement.update(record.id, {
      status: 'checking',
      attempts,
      lastError: null,
      silentSince,
      traffic: observed.traffic,
      nextAttemptAt: new Date(now.getTime() + delayMs),
      successorFirstUsedAt,
    });
    return 'checking';
  }

  if (now.getTime() >= deadline.getTime()) {
    await revokeOldKey(target, { reason: 'deadline', attempts });
    return 'revoked';
  }

  const status = observed.traffic ? 'in-use' : 'waiting';
  const nextAttemptAt = new Date(
    Math.min(now.getTime() + settings.recheckIntervalMs, deadline.getTime()),
  );
  await deps.retirement.update(record.id, {
    status,
    attempts,
    lastError: observed.traffic ? null : observed.reason,
    silentSince: null,
    traffic: observed.traffic ?? undefined,
    nextAttemptAt,
    deadlineAt: deadline,
    notifiedState: status,
    successorFirstUsedAt,
  });
  // Owners hear once per episode, not at every re-check.
  if (record.notifiedState !== status) {
    if (observed.traffic) {
      deps.emit({
        type: 'key.in-use',
        bindingId: record.bindingId,
        keyFingerprint: record.keyFingerprint,
        traffic: observed.traffic,
        deadlineAt: deadline,
      });
    } else {
      deps.emit({
        type: 'key.retirement-waiting',
        bindingId: record.bindingId,
        keyFingerprint: record.keyFingerprint,
        reason: observed.reason,
        deadlineAt: deadline,
      });
    }
  }
  return observed.traffic ? 'inUse' : 'waiting';
}

/** When the key that replaced this one was first seen in traffic (this check), if it was. */
async function firstUseOfSuccessor(
  target: OldKeyTarget,
  consumerKey: string,
  windowStart: Date,
): Promise<Date | undefined> {
  const observed = await observeTraffic(target, consumerKey, windowStart);
  return observed.traffic && observed.traffic.calls > 0
    ? observed.traffic.checkedAt
    : undefined;
}

async function blockCurrentKey(
  deps: EngineDependencies,
  record: KeyDeletionRecord,
  attempts: number,
) {
  const message = `Key ${record.keyFingerprint} is in AWSCURRENT again, so it is not retired`;
  deps.logger.child({ bindingId: record.bindingId }).warn(message);
  await deps.retirement.update(record.id, {
    status: 'blocked',
    attempts,
    lastError: message,
  });
  const problems = [{ code: 'replaced-outside-plugin' as const, message }];
  await deps.store.recordDrift(record.bindingId, problems, deps.clock.now());
  deps.emit({ type: 'drift.detected', bindingId: record.bindingId, problems });
}

/** The fingerprint of a consumer key, or undefined for none. */
export function fingerprintOf(consumerKey: string | undefined) {
  return consumerKey ? fingerprint(consumerKey) : undefined;
}
