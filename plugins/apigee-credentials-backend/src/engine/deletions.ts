import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import {
  DEFAULT_CREDENTIAL_FIELDS,
  readSecretCredential,
} from '../secrets/secretValue';
import { EngineDependencies, findKeyByFingerprint } from './context';
import { SecretScrubber } from './scrub';
import { KeyDeletionRecord } from './types';

/** What one {@link runDueDeletions} pass did. */
export interface DeletionSummary {
  /** Old keys deleted (or found already gone). */
  deleted: number;
  /** Deletions refused because the key is in AWSCURRENT again. */
  blocked: number;
  /** Deletions that failed and stay scheduled for the next pass. */
  failed: number;
  /**
   * Deletions left for later: the binding is busy (a rotation holds its lease), or its
   * ownership is not proven.
   */
  skipped: number;
}

/**
 * Deletes old keys whose grace period is over. Each deletion takes the binding's lease (so
 * it never races a rotation) and first checks that the key is not in AWSCURRENT again; such
 * a key is never deleted. Failures stay scheduled and are retried on the next pass: deletion
 * is durable work that survives restarts.
 */
export async function runDueDeletions(
  deps: EngineDependencies,
  holder: string,
): Promise<DeletionSummary> {
  const summary: DeletionSummary = {
    deleted: 0,
    blocked: 0,
    failed: 0,
    skipped: 0,
  };
  const due = await deps.store.listDueDeletions(
    deps.clock.now(),
    deps.settings.deletionBatchSize,
  );
  for (const deletion of due) {
    const lease = await deps.store.tryAcquireLease(
      deletion.bindingId,
      holder,
      deps.clock.now(),
    );
    if (!lease) {
      summary.skipped += 1;
      continue;
    }
    try {
      summary[await deleteOne(deps, deletion)] += 1;
    } finally {
      await deps.store.releaseLease(lease);
    }
  }
  return summary;
}

async function deleteOne(
  deps: EngineDependencies,
  deletion: KeyDeletionRecord,
): Promise<'deleted' | 'blocked' | 'failed' | 'skipped'> {
  const logger = deps.logger.child({ bindingId: deletion.bindingId });
  const scrubber = new SecretScrubber();
  const attempts = deletion.attempts + 1;
  try {
    const stored = await deps.store.getBinding(deletion.bindingId);
    if (!stored) {
      throw new Error(
        `Binding ${deletion.bindingId} is unknown; cannot locate the key`,
      );
    }
    if (stored.ownership?.state === 'unverified') {
      // Its targets are not proven to be the entity's: delete nothing in them until they are.
      await deps.store.updateDeletion(deletion.id, {
        status: 'scheduled',
        attempts,
        lastError:
          'Held: the credential is not proven to belong to its entity (see its status)',
      });
      return 'skipped';
    }
    const { binding } = stored;
    const fields = {
      key: binding.fields?.key ?? DEFAULT_CREDENTIAL_FIELDS.key,
      secret: binding.fields?.secret ?? DEFAULT_CREDENTIAL_FIELDS.secret,
    };
    const current = await deps.retry.run('read AWSCURRENT', () =>
      deps.secrets.getVersion(binding.secret, { stage: 'AWSCURRENT' }),
    );
    const credential = readSecretCredential(current?.secretString, fields);
    scrubber.add(credential.consumerKey, credential.consumerSecret);
    if (fingerprint(credential.consumerKey) === deletion.keyFingerprint) {
      const message = `Key ${deletion.keyFingerprint} is in AWSCURRENT again, so it is not deleted`;
      logger.warn(message);
      await deps.store.updateDeletion(deletion.id, {
        status: 'blocked',
        attempts,
        lastError: message,
      });
      const problems = [{ code: 'replaced-outside-plugin' as const, message }];
      await deps.store.recordDrift(binding.id, problems, deps.clock.now());
      deps.emit({ type: 'drift.detected', bindingId: binding.id, problems });
      return 'blocked';
    }

    const provider = deps.providerFor(binding.provider);
    const ref = { developer: binding.developer, app: binding.app };
    // An unreadable app (even "not found": it may be a configuration mistake) is an error,
    // not proof that the key is gone.
    const app = await deps.retry.run('read the Apigee app', () =>
      provider.getApp(ref),
    );
    const key = findKeyByFingerprint(app, deletion.keyFingerprint);
    if (key) {
      const consumerKey = key.consumerKey;
      scrubber.add(consumerKey);
      await deps.retry.run('delete the old key', () =>
        provider.deleteKey(ref, consumerKey),
      );
      logger.info(
        `Deleted old key ${deletion.keyFingerprint}: its grace period is over`,
      );
    } else {
      logger.info(
        `Old key ${deletion.keyFingerprint} was already gone from the app`,
      );
    }
    await deps.store.updateDeletion(deletion.id, {
      status: 'deleted',
      attempts,
      lastError: null,
      deletedAt: deps.clock.now(),
    });
    deps.emit({
      type: 'key.deleted',
      bindingId: binding.id,
      keyFingerprint: deletion.keyFingerprint,
      reason: 'grace-period-over',
    });
    return 'deleted';
  } catch (error) {
    const message = scrubber.describe(error);
    logger.warn(
      `Deleting old key ${deletion.keyFingerprint} failed; will retry: ${message}`,
    );
    await deps.store.updateDeletion(deletion.id, {
      status: 'scheduled',
      attempts,
      lastError: message,
    });
    return 'failed';
  }
}
