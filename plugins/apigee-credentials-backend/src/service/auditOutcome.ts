import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { RotationEvent } from '../engine/types';

/**
 * Records the outcome of every rotation, whoever started it (schedule, user or provisioning),
 * as the audit event `credential-rotation-outcome`: identifiers and fingerprints only.
 */
export async function auditOutcome(
  auditor: AuditorService,
  event: RotationEvent,
  logger: LoggerService,
): Promise<void> {
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
