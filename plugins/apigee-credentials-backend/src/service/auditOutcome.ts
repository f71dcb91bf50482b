import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { RotationEvent } from '../engine/types';

/**
 * Records what the plugin did to an old key on its own (the owners' actions are audited where
 * they ask): `old-key-deleted` and `old-key-revoked`, fingerprints only.
 */
async function auditOldKeyStep(
  auditor: AuditorService,
  event: Extract<RotationEvent, { type: 'key.deleted' | 'key.revoked' }>,
  logger: LoggerService,
): Promise<void> {
  if (event.type === 'key.revoked' && event.reason === 'owner') return;
  try {
    const auditorEvent = await auditor.createEvent({
      eventId:
        event.type === 'key.deleted' ? 'old-key-deleted' : 'old-key-revoked',
      severityLevel: 'medium',
      meta: {
        bindingId: event.bindingId,
        keyFingerprint: event.keyFingerprint,
        reason: event.reason,
      },
    });
    await auditorEvent.success();
  } catch (error) {
    logger.warn(
      `Could not record the audit event of old key ${event.keyFingerprint}: ${error}`,
    );
  }
}

/**
 * Records the outcome of every rotation, whoever started it (schedule, user or provisioning),
 * as the audit event `credential-rotation-outcome`: identifiers and fingerprints only.
 */
export async function auditOutcome(
  auditor: AuditorService,
  event: RotationEvent,
  logger: LoggerService,
): Promise<void> {
  if (event.type === 'key.deleted' || event.type === 'key.revoked') {
    await auditOldKeyStep(auditor, event, logger);
    return;
  }
  if (event.type !== 'rotation.completed' && event.type !== 'rotation.failed')
    return;
  try {
    const auditorEvent = await auditor.createEvent({
      eventId: 'credential-rotation-outcome',
      severityLevel: event.type === 'rotation.failed' ? 'high' : 'medium',
      meta: { bindingId: event.bindingId, rotationId: event.rotationId },
    });
    if (event.type === 'rotation.completed') {
      await auditorEvent.success({
        meta: {
          oldKeyFingerprint: event.oldKeyFingerprint,
          newKeyFingerprint: event.newKeyFingerprint,
        },
      });
    } else {
      await auditorEvent.fail({
        error: new Error(event.error),
        meta: { failedPhase: event.failedPhase, errorCode: event.errorCode },
      });
    }
  } catch (error) {
    logger.warn(
      `Could not record the audit event of rotation ${event.rotationId}: ${error}`,
    );
  }
}
